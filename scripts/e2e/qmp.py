#!/usr/bin/env python3
"""QEMU's monitor protocol (QMP) for scripts/e2e-box: capture the guest screen, or cut the power.

  qmp.py SOCKET screendump FILE            one capture (PPM)
  qmp.py SOCKET series DIR COUNT MS        COUNT captures MS apart: DIR/000.ppm, DIR/001.ppm, ...
  qmp.py SOCKET quit                       stop the machine at once, as a power cut does
"""
import json
import os
import socket
import sys
import time


class Monitor:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.stream = self.sock.makefile("rw")
        json.loads(self.stream.readline())  # the greeting
        self.run("qmp_capabilities")

    def run(self, command, **arguments):
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self.stream.write(json.dumps(message) + "\n")
        self.stream.flush()
        while True:
            line = self.stream.readline()
            if not line:
                if command == "quit":
                    return None
                raise SystemExit(f"qmp: the machine closed the connection during {command}")
            reply = json.loads(line)
            if "error" in reply:
                raise SystemExit(f"qmp: {command}: {reply['error'].get('desc', reply['error'])}")
            if "return" in reply:
                return reply["return"]
            # events (RESET, SHUTDOWN, ...) are not answers: read on


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    monitor = Monitor(argv[1])
    action = argv[2]
    if action == "screendump" and len(argv) == 4:
        monitor.run("screendump", filename=os.path.abspath(argv[3]))
    elif action == "series" and len(argv) == 6:
        folder, count, interval = argv[3], int(argv[4]), int(argv[5]) / 1000
        os.makedirs(folder, exist_ok=True)
        start = time.monotonic()
        taken = []
        for i in range(count):
            due = start + i * interval
            time.sleep(max(0, due - time.monotonic()))
            taken.append(time.monotonic())
            monitor.run("screendump", filename=os.path.abspath(os.path.join(folder, f"{i:03d}.ppm")))
        gaps = [b - a for a, b in zip(taken, taken[1:])]
        # One line the caller reads: how many, over how long, and the widest gap between two.
        print(f"qmp: {count} captures in {time.monotonic() - start:.2f} s, largest gap {max(gaps, default=0) * 1000:.0f} ms")
    elif action == "quit" and len(argv) == 3:
        monitor.run("quit")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
