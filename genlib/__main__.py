"""`python -m genlib`: the command line (see genlib/cli.py)."""
import signal
import sys

from .cli import main


def _stop_like_ctrl_c(signum, frame):
    raise KeyboardInterrupt  # SIGTERM: cancel, save the partial text and close, as Ctrl+C does


signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
sys.exit(main())
