"""The spool's sync helper: a small process of its own that fdatasyncs spool segments.

syncer.py starts one per worker as `python -I -S sync_helper.py`: it imports
only `os` and `signal`, so it starts in milliseconds and stays a few MB.

Protocol, on its stdin and stdout: the worker writes the path of a segment
followed by a NUL; the helper syncs that file and answers one line, "0" or
the errno of the failure.
It ends when its stdin closes, which the kernel also does when the worker dies
in any way (even SIGKILL), so it never outlives its worker.
"""

import os
import signal


def serve(stdin: int = 0, stdout: int = 1) -> None:
    pending = b""
    while data := os.read(stdin, 65536):
        pending += data
        *paths, pending = pending.split(b"\0")
        for path in paths:
            answer = 0
            try:
                # Opened for each sync, not kept: the spool deletes segments
                # once PostgreSQL has them, and an open file would keep its
                # disk space (an open() costs microseconds beside the sync).
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fdatasync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                answer = exc.errno or 5  # EIO when the OS gives no number
            try:
                os.write(stdout, b"%d\n" % answer)
            except BrokenPipeError:
                return  # the worker is gone (it died during this sync)


if __name__ == "__main__":
    # Ctrl-C and SIGTERM are for the worker: it still needs syncs while it
    # drains, and then closes the pipe, which ends this loop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    serve()
