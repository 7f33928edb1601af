"""Foreign-target interpreters for tests: provisioning (provision.py) and running (foreign.py).

Not part of the ziggurat package: these tools install qemu, wine and foreign CPython builds
so the cross tests can run aarch64 and win_amd64 wheels for real.
"""
