"""The mbim-proxy socket: share the modem with ModemManager instead of fighting it.

libmbim's mbim-proxy (which ModemManager uses for every MBIM port) listens on the
abstract unix socket ``mbim-proxy``; the stream carries plain MBIM messages framed by
MessageLength (docs/protocol.md §6). A client first sends Proxy Control CONFIGURATION with
the device path; the proxy opens the device if nobody has yet and replies, possibly
after a VERSION notification. From then on the proxy answers OPEN and CLOSE itself
(the device stays open for ModemManager) and forwards everything else, swapping
transaction ids. If it cannot open the device it drops the client without a word.

The socket comes from ``_socket``, the C half of ``socket``: the Python half imports
``selectors`` and more, which a hotplug run would pay for on every call.

We never start a proxy (libmbim spawns one when none listens; a udev RUN program must
not leave daemons behind): no listener means "use the character device" in auto mode,
and an error when the proxy was asked for.
"""

from __future__ import annotations

import _socket
import errno
import os
import select
import sys
import time

from fcc_unlock.errors import Busy, DeviceError, ProtocolError, Timeout
from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import (
    HEADER_SIZE,
    Command,
    CommandDone,
    DecodeError,
    FunctionError,
    IndicateStatus,
    decode,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Optional

    Tracer = Optional[Callable[[str, object], None]]

PROXY_ADDRESS = "\0mbim-proxy"  # abstract namespace (libmbim MBIM_PROXY_SOCKET_PATH)
MAX_CONTROL_TRANSFER = 4096  # the proxy reassembles and re-fragments for the device
CONFIGURATION_TID = 1  # the proxy answers it itself; the session's ids start afresh
MAX_PROXY_MESSAGE = 64 * 1024
RECEIVE_SIZE = 65536
NOT_LISTENING = (errno.ECONNREFUSED, errno.ENOENT)
CONNECT_RETRY_SECONDS = 0.01


class NoProxy(DeviceError):
    """Nobody listens on the proxy socket."""


# What a listener we cannot trust looks like. Abstract socket names are first come,
# first served: any local user can bind ``@mbim-proxy``. The udev path passes such a
# listener by (runner.open_transport()); elsewhere these end the run and say why.


class UntrustedProxy(DeviceError):
    """The socket's owner is not root (SO_PEERCRED)."""


class ProxyNotAccepting(Busy):
    """The listener's backlog stays full: it does not accept connections."""


class ProxyProtocolError(ProtocolError):
    """The listener answered CONFIGURATION with something mbim-proxy never sends."""


UNTRUSTED = (UntrustedProxy, ProxyNotAccepting, ProxyProtocolError)


class ProxyTransport:
    """A connection to mbim-proxy, configured for one device.

    Same surface as ``CharDevice``; construction connects and completes the
    CONFIGURATION exchange before ``deadline`` (raises ``NoProxy`` if no proxy
    listens, one of ``UNTRUSTED`` for a listener we cannot trust, ``DeviceError`` if
    the proxy refuses or drops us). ``connect_deadline`` bounds connecting alone.
    """

    def __init__(
        self,
        device_path: str,
        deadline: float,
        address: str | None = None,
        trace: Tracer = None,
        clock: Callable[[], float] = time.monotonic,
        connect_deadline: float | None = None,
    ) -> None:
        self.device_path = os.path.abspath(device_path)
        self.name = f"mbim-proxy:{self.device_path}"
        self.max_control_transfer = MAX_CONTROL_TRANSFER
        self.max_control_transfer_source = "proxy"
        self.versions: tuple[int, int] | None = None  # from the VERSION notification
        self._trace = trace
        self._clock = clock
        self._early = b""  # bytes after the CONFIGURATION reply: the session's
        self._sock: _socket.socket | None = connect(
            address or PROXY_ADDRESS, deadline if connect_deadline is None else connect_deadline, clock
        )
        try:
            check_peer(self._sock)
            self._poll = select.poll()
            self._poll.register(self._sock, select.POLLIN)
            self._configure(deadline)
        except BaseException:
            self.close()
            raise

    # --- the transport surface ------------------------------------------------------

    def write(self, data: bytes, deadline: float) -> None:
        sock = self._socket()
        view = memoryview(data)
        while view:
            try:
                sent = sock.send(view)
            except BlockingIOError:
                self._wait(select.POLLOUT, deadline, "write")
                continue
            except OSError as error:
                raise self._io_error(error) from None
            view = view[sent:]

    def read(self, deadline: float) -> bytes:
        if self._early:
            data, self._early = self._early, b""
            return data
        while True:
            if not self._wait(select.POLLIN, deadline, "read"):
                return b""
            try:
                data = self._socket().recv(RECEIVE_SIZE)
            except BlockingIOError:
                continue
            except OSError as error:
                raise self._io_error(error) from None
            if not data:
                raise DeviceError(f"{self.name}: mbim-proxy closed the connection")
            return data

    def close(self) -> None:
        sock = getattr(self, "_sock", None)
        if sock is not None:
            self._sock = None
            sock.close()

    def __enter__(self) -> ProxyTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- CONFIGURATION ----------------------------------------------------------------

    def _configure(self, deadline: float) -> None:
        """Send CONFIGURATION {device path, timeout} and wait for the proxy's answer."""
        from fcc_unlock.mbim.proxy_control import configuration

        seconds = max(1, int(deadline - self._clock() + 0.999))
        request = Command(
            CONFIGURATION_TID,
            mbim.PROXY_CONTROL,
            mbim.PROXY_CONFIGURATION_CID,
            mbim.CommandType.SET,
            configuration(self.device_path, seconds),
        )
        self._note("->", request)
        self.write(request.encode(), deadline)
        buffer = bytearray()
        while True:
            raw = self._next_message(buffer, deadline)
            try:
                message = decode(raw)
            except DecodeError as error:
                raise ProxyProtocolError(f"{self.name}: malformed message from mbim-proxy: {error}") from None
            self._note("<-", message)
            if isinstance(message, IndicateStatus) and message.service_id == mbim.PROXY_CONTROL:
                if message.cid == mbim.PROXY_VERSION_CID:
                    self._record_version(message.information_buffer)
                continue
            if message.transaction_id != CONFIGURATION_TID:
                continue  # nothing else is ours yet; the session skips strays the same way
            if isinstance(message, FunctionError):
                raise ProxyProtocolError(
                    f"{self.name}: mbim-proxy answered CONFIGURATION with"
                    f" {mbim.describe_error(message.error_code)}"
                )
            if isinstance(message, CommandDone) and message.service_id == mbim.PROXY_CONTROL:
                if message.status != mbim.Status.NONE:
                    raise DeviceError(
                        f"{self.name}: mbim-proxy refused the device: {mbim.describe_status(message.status)}"
                    )
                self._early = bytes(buffer)
                return

    def _next_message(self, buffer: bytearray, deadline: float) -> bytes:
        """The next whole message from the proxy (it never sends fragments of its own)."""
        while True:
            if len(buffer) >= HEADER_SIZE:
                length = wire.HEADER.unpack_from(buffer)[1]
                if not HEADER_SIZE <= length <= MAX_PROXY_MESSAGE:
                    raise ProxyProtocolError(f"{self.name}: mbim-proxy sent a message of length {length}")
                if len(buffer) >= length:
                    raw = bytes(buffer[:length])
                    del buffer[:length]
                    return raw
            try:
                data = self.read(deadline)
            except DeviceError:
                raise DeviceError(
                    f"{self.name}: mbim-proxy closed the connection before accepting the device"
                    " (it could not open it, or refused us)"
                ) from None
            if not data:
                raise Timeout(
                    f"{self.name}: mbim-proxy did not answer CONFIGURATION in time"
                    " (the modem did not answer the proxy's MBIM OPEN?)"
                )
            buffer += data

    def _record_version(self, buffer: bytes) -> None:
        from fcc_unlock.mbim.proxy_control import describe_version, parse_version

        try:
            self.versions = parse_version(buffer)
        except DecodeError:
            return  # informational only
        if self._trace is not None:
            mbim_version, extended = self.versions
            self._trace(
                "note",
                f"mbim-proxy negotiated MBIM {describe_version(mbim_version)},"
                f" MBIMEx {describe_version(extended)}",
            )

    # --- plumbing -------------------------------------------------------------------

    def _socket(self) -> _socket.socket:
        if self._sock is None:
            raise DeviceError(f"{self.name}: connection already closed")
        return self._sock

    def _wait(self, event: int, deadline: float, what: str) -> bool:
        self._poll.modify(self._socket(), event)
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                if event == select.POLLOUT:
                    raise Timeout(f"{self.name}: mbim-proxy not ready to {what}")
                return False
            for _, revents in self._poll.poll(max(1, int(remaining * 1000 + 0.999))):
                if revents & (event | select.POLLHUP | select.POLLERR):
                    return True  # recv/send report what happened
                if revents & select.POLLNVAL:
                    raise DeviceError(f"{self.name}: socket closed")

    def _io_error(self, error: OSError) -> Exception:
        if error.errno in (errno.EPIPE, errno.ECONNRESET):
            return DeviceError(f"{self.name}: mbim-proxy closed the connection")
        return DeviceError(f"{self.name}: {os.strerror(error.errno or 0)}")

    def _note(self, direction: str, item: object) -> None:
        if self._trace is not None:
            self._trace(direction, item)


def connect(
    address: str = PROXY_ADDRESS, deadline: float | None = None, clock: Callable[[], float] = time.monotonic
) -> _socket.socket:
    """A non-blocking stream connection to the proxy; ``NoProxy`` if none listens.

    A listener that stops accepting fills its backlog, and a blocking connect() would
    then wait forever: connect without blocking, and try again until ``deadline``.
    """
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
    sock.setblocking(False)
    where = address.replace("\0", "@")
    while True:
        try:
            sock.connect(address)
            return sock
        except BlockingIOError:  # EAGAIN: the listener's backlog is full
            if deadline is None or clock() >= deadline:
                sock.close()
                raise ProxyNotAccepting(f"mbim-proxy on {where} does not accept connections") from None
            time.sleep(CONNECT_RETRY_SECONDS)
        except OSError as error:
            sock.close()
            if error.errno in NOT_LISTENING:
                raise NoProxy(f"no mbim-proxy is listening on {where}") from None
            reason = os.strerror(error.errno or 0)
            raise DeviceError(f"cannot connect to mbim-proxy on {where}: {reason}") from None


def check_peer(sock: _socket.socket) -> None:
    """Refuse a proxy run by someone else: abstract socket names are first come, first
    served, and the real mbim-proxy runs as root (it only serves root, too)."""
    creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    uid = int.from_bytes(creds[4:8], sys.byteorder)  # struct ucred {pid, uid, gid}
    if uid not in (0, os.geteuid()):
        raise UntrustedProxy(
            f"the mbim-proxy socket belongs to uid {uid}, not root: not using it"
            " (another user's program holds the name @mbim-proxy)"
        )
