"""Foxconn SDX55 (Lenovo T99W175, also in USB mode): QMI "Set FCC Authentication" 0x5571.

Everything happens in one MBIM session with one DMS client (ModemManager's script
starts qmicli four times), in the order of docs/protocol.md §4.8:

1. Foxconn Get Firmware Version (0x555E) firmware-mcfg and apps, DMS Get IDs (IMEI).
2. v2: 0x5571 with TLV 0x01 the magic string, then TLV 0x02 the number 48.
3. If DMS answers InvalidQmiCommand, the firmware keeps the Foxconn messages on their
   own QMI service (FOX, 0xE3; docs/protocol.md §4.4, §4.5): the same v2 there.
4. If v2 could not be sent or failed: v1, 0x5571 with TLV 0x01 = 0 (older firmware).

The exit status is that of the last attempt; the result says which variant worked.
The lock check before is Basic Connect RADIO_STATE, as for Sierra (see sierra.py).
"""

from __future__ import annotations

from fcc_unlock import lockstate
from fcc_unlock.errors import ProtocolError, Refused
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import FirmwareVersionType, Service
from fcc_unlock.session import MbimSession, QmiClient, QmiFailure, QmiPending

SALT = "salt"  # ModemManager's script uses this fixed salt
KEY = "foxc"
MAGIC_NUMBER = 48  # TLV 0x02 of v2
V1_MAGIC = 0  # TLV 0x01 of v1
INVALID_QMI_COMMAND = 71  # what DMS answers when the message lives on the FOX service


def trim_firmware_version(version: str) -> str:
    """Drop the last two dot-separated fields, as the script's sed does.

    ``T99W175.F0.1.0.0.9.GC.004.013`` -> ``T99W175.F0.1.0.0.9.GC``; a version with
    fewer than two dots stays as it is.
    """
    parts = version.rsplit(".", 2)
    return parts[0] if len(parts) == 3 else version


def magic_string(firmware_mcfg: str, apps: str, imei: str, key: str = KEY) -> str:
    """``"salt" + md5hex(trimmed firmware-mcfg + apps + IMEI + "salt" + key)``; the key is
    "foxc" here, "FDE2" for the T99W696 (foxconn_e4.py)."""
    # CPython's own MD5 module: hashlib would load OpenSSL first (about 3 ms).
    try:
        from _md5 import md5  # type: ignore[import-not-found]
    except ImportError:
        from hashlib import md5

    text = trim_firmware_version(firmware_mcfg) + apps + imei + SALT + key
    digest: str = md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()
    return SALT + digest


def status(session: MbimSession) -> lockstate.Verdict:
    """What this modem can tell about its lock without changing anything."""
    return lockstate.radio_state_check(session)


def unlock(session: MbimSession) -> str:
    failures: list[str] = []
    asking = lockstate.worth_asking_radio_state(session)  # by hand only
    question = lockstate.ask_radio_state(session) if asking else None  # answered while allocating
    with QmiClient(session, Service.DMS) as client:
        before = lockstate.radio_state_check(session, question) if asking else lockstate.NOT_ASKED
        if before.state == lockstate.UNLOCKED:
            return lockstate.ALREADY_UNLOCKED  # no unlock request; the client is released
        magic, moved = read_magic(session, client, client, failures)
        if magic is not None:
            error = _send_v2(client, magic, failures)
            if error is None:
                return lockstate.unlocked(before, "v2")
            moved = error == INVALID_QMI_COMMAND
        if moved and _v2_on_fox_service(session, client, magic, failures):
            return lockstate.unlocked(before, "v2 on the FOX service")
        session.note(f"v2 did not unlock ({'; '.join(failures)}): trying v1")
        try:
            client.call(catalog.FOXCONN_SET_FCC_AUTHENTICATION, magic=V1_MAGIC)
        except QmiFailure as failure:
            why = describe_failure(failure)
            reason = f"modem refused the unlock: v1: {why}; before that {'; '.join(failures)}"
            raise QmiFailure(reason, failure.error) from None
    return lockstate.unlocked(before, f"v1; {'; '.join(failures)}")


def read_magic(
    session: MbimSession, versions: QmiClient, ids: QmiClient, failures: list[str], key: str = KEY
) -> tuple[str | None, bool]:
    """(the v2 magic string or None, whether the firmware answered InvalidQmiCommand).

    ``versions`` asks for the firmware versions (a DMS or a FOX client), ``ids`` for
    the IMEI (always DMS); ``key`` as for magic_string().
    """
    where = "" if versions.service == Service.DMS else " on the FOX service"
    # Three questions in flight at once: one round trip instead of three.
    asked_firmware = _ask_version(versions, FirmwareVersionType.FIRMWARE_MCFG)
    asked_apps = _ask_version(versions, FirmwareVersionType.APPS)
    asked_ids = ids.submit(catalog.GET_IDS)
    try:
        firmware = str(versions.result(asked_firmware)["version"])
        apps = str(versions.result(asked_apps)["version"])
    except QmiFailure as failure:
        failures.append(f"firmware version{where}: {describe_failure(failure)}")
        return None, failure.error == INVALID_QMI_COMMAND
    except ProtocolError as error:
        failures.append(f"firmware version{where}: {error}")
        return None, False
    try:
        imei = str(ids.result(asked_ids).get("imei", ""))
    except (QmiFailure, ProtocolError) as error:
        failures.append(f"IMEI: {describe_failure(error)}")
        return None, False
    if not (trim_firmware_version(firmware) and apps and imei):
        failures.append("firmware version or IMEI empty")
        return None, False
    magic = magic_string(firmware, apps, imei, key)
    session.note(f"magic from firmware {firmware!r}, apps {apps!r}, IMEI {imei!r}: {magic}")
    return magic, False


def _ask_version(client: QmiClient, version_type: int) -> QmiPending:
    return client.submit(catalog.FOXCONN_GET_FIRMWARE_VERSION, version_type=version_type)


def _send_v2(client: QmiClient, magic: str, failures: list[str]) -> int | None:
    """None if v2 unlocked; else the QMI error (-1 for a malformed reply)."""
    where = "" if client.service == Service.DMS else " on the FOX service"
    try:
        client.call(catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, magic_string=magic, magic_number=MAGIC_NUMBER)
    except QmiFailure as failure:
        failures.append(f"v2{where}: {describe_failure(failure)}")
        return failure.error
    except ProtocolError as error:
        failures.append(f"v2{where}: {error}")
        return -1
    return None


def _v2_on_fox_service(
    session: MbimSession, dms_client: QmiClient, magic: str | None, failures: list[str]
) -> bool:
    session.note("DMS does not know the Foxconn message: trying the FOX service (0xE3)")
    try:
        with QmiClient(session, Service.FOX) as fox:
            if magic is None:
                magic, _ = read_magic(session, fox, dms_client, failures)
                if magic is None:
                    return False
            return _send_v2(fox, magic, failures) is None
    except (Refused, ProtocolError) as error:  # no FOX client to be had
        failures.append(f"FOX service: {error}")
        return False


def describe_failure(error: Exception) -> str:
    """A QMI failure by its error name; anything else by its message."""
    if isinstance(error, QmiFailure):
        from fcc_unlock.qmi.errors import describe

        return describe(error.error)
    return str(error)
