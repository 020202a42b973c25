# %% [markdown]
# # A <b>notebook</b> lesson
# Its Markdown cells are prose like a lesson.md's.
# <iframe src="https://frame.evil.example/"></iframe>

# %%
x = "<iframe>"  # code, not prose

# %% [markdown]
# ![a picture](https://img.evil.example/notebook.png)
