"""The simulated modem: a sans-I/O model of an FCC-locked MBIM modem, and front-ends.

``model.SimModem`` takes host bytes and returns what the modem would do (write these
bytes, hang up), with a lock state, a vendor personality and fault knobs. It uses
the same codecs as the client, from the other side. ``pty.PtyModem`` serves it on a
pseudo-terminal; ``python -m fcc_unlock.sim --link PATH`` serves other clients
(mbimcli, qmicli, mbim-proxy, fcc-unlock itself). ``gadget.GadgetModem`` plugs it into
a Linux kernel as a USB device, one control transfer at a time.
"""
