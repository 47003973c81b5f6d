"""The machine around the modem, no protocol: the device table, sysfs (plain os
calls, the hotplug path), udev (every pyudev call), the per-device lock, the log."""
