# Kernel settings for the book's environment; `make` copies this file to .venv/etc/ipython/.
#
# TensorFlow's C++ runtime writes notices (oneDNN, CUDA probing) straight to the process's
# stderr file descriptor when it is imported, ignoring TF_CPP_MIN_LOG_LEVEL. ipykernel forwards
# that descriptor into the notebook asynchronously, so whether the notices land in a cell's output
# changes from run to run. Leaving the descriptor alone sends them to the terminal that runs
# JupyterLab instead; Python-level output (print, warnings, tracebacks) is captured as usual.
c = get_config()  # noqa: F821
c.IPKernelApp.capture_fd_output = False
