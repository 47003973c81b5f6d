"""Any bytes into any decoder: a value, or our own DecodeError, never another exception.

The modem is untrusted. Each decoder gets random bytes and mangled valid encodings
(truncated, extended, bytes flipped, u32 fields set to extremes), which reach the
length and count checks that purely random bytes rarely do. Every decoder of the
codecs is here (a test checks none is missing), and so is what reads their results
for people: the -v trace and the lock evidence. ``HYPOTHESIS_PROFILE=fuzz`` runs
them far longer (strategies.py).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    CELLULAR_CODECS,
    CELLULAR_RECORDS,
    device_caps,
    device_service_lists,
    hostile,
    mbim_messages,
    qmi_messages,
    subscribe_entries,
    u8,
    u32,
)

from fcc_unlock import lockstate, trace
from fcc_unlock.mbim import basic_connect, cellular, infobuffer, intel, proxy_control, quectel
from fcc_unlock.mbim import catalog as mbim_catalog
from fcc_unlock.mbim import messages as mbim_messages_module
from fcc_unlock.mbim.messages import DecodeError as MbimDecodeError
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import messages as qmi_messages_module
from fcc_unlock.qmi.constants import Kind, Service
from fcc_unlock.qmi.messages import DecodeError as QmiDecodeError
from fcc_unlock.qmi.messages import QmiMessage, ResultError

encoded_mbim = mbim_messages.map(lambda m: m.encode())
encoded_qmi = qmi_messages().map(lambda m: m.encode())


@given(hostile(encoded_mbim))
def test_mbim_decode(data):
    try:
        message = mbim_messages_module.decode(data)
    except MbimDecodeError:
        return
    assert mbim_messages_module.decode(message.encode()) == message


@given(hostile(encoded_mbim))
def test_mbim_peek_header(data):
    try:
        header = mbim_messages_module.peek_header(data)
    except MbimDecodeError:
        assert len(data) < 12
        return
    assert header == tuple(int.from_bytes(data[i : i + 4], "little") for i in (0, 4, 8))


@given(hostile(encoded_qmi))
def test_qmi_decode(data):
    try:
        message = qmi_messages_module.decode(data)
    except QmiDecodeError:
        return
    assert len(message.encode()) == len(data)


PARSERS = {
    "parse_radio_state_set": (
        basic_connect.parse_radio_state_set,
        st.booleans().map(basic_connect.radio_state_set),
    ),
    "parse_radio_state": (
        basic_connect.parse_radio_state,
        st.tuples(st.booleans(), st.booleans()).map(lambda hs: basic_connect.radio_state(*hs)),
    ),
    "parse_device_services": (
        basic_connect.parse_device_services,
        device_service_lists.map(basic_connect.device_services),
    ),
    "parse_subscribe_list": (
        basic_connect.parse_subscribe_list,
        subscribe_entries.map(basic_connect.subscribe_list),
    ),
    "parse_device_caps": (basic_connect.parse_device_caps, device_caps.map(basic_connect.device_caps)),
    "quectel.parse_radio_state": (quectel.parse_radio_state, u32.map(quectel.radio_state)),
    "intel.parse_lock_state": (
        intel.parse_lock_state,
        st.tuples(u32, u32).map(lambda p: intel.lock_state(*p)),
    ),
    "intel.parse_fcc_lock_set": (
        intel.parse_fcc_lock_set,
        st.tuples(u32, u32).map(lambda p: intel.fcc_lock_set(*p)),
    ),
    "intel.parse_challenge": (intel.parse_challenge, st.tuples(u32, u32).map(lambda p: intel.challenge(*p))),
    "proxy_control.parse_configuration": (
        proxy_control.parse_configuration,
        st.builds(proxy_control.configuration, st.text(min_size=1, max_size=40), u32),
    ),
    **{
        f"cellular.{parse}": (getattr(cellular, parse), CELLULAR_RECORDS[record].map(record.encode))
        for record, (_, parse) in CELLULAR_CODECS.items()
    },
    "proxy_control.parse_version": (
        proxy_control.parse_version,
        st.builds(proxy_control.version, st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)),
    ),
}


def test_every_payload_parser_is_covered():
    modules = {
        "": basic_connect,
        "cellular.": cellular,
        "quectel.": quectel,
        "intel.": intel,
        "proxy_control.": proxy_control,
    }
    parsers = {
        prefix + name
        for prefix, module in modules.items()
        for name in dir(module)
        if name.startswith("parse_")
    }
    assert parsers == set(PARSERS)


def test_every_decoder_of_the_codecs_is_covered():
    """Each public function that decodes modem bytes or a modem's QMI message is fuzzed here."""
    import importlib
    import inspect
    import pkgutil

    import fcc_unlock.mbim
    import fcc_unlock.qmi

    covered = {
        "mbim.messages.decode", "mbim.messages.peek_header", "qmi.messages.decode",
        "mbim.infobuffer.slice_ol", "mbim.infobuffer.read_string", "mbim.infobuffer.parse",
        "qmi.messages.check_result", "qmi.messages.string_value",
        *(f"mbim.basic_connect.{name}" for name in PARSERS if "." not in name),
        *(f"mbim.{name}" for name in PARSERS if "." in name),
        *(f"qmi.{name}" for name in EXTRACTORS if not name.startswith("QmiMessage")),
        "qmi.catalog.parse",  # every message both ways, in EXTRACTORS
        "mbim.catalog.lookup", "mbim.catalog.describe_payload",  # test_mbim_catalog_describes_anything
    }  # fmt: skip
    found = set()
    for package in (fcc_unlock.mbim, fcc_unlock.qmi):
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_") or info.name in ("layouts", "constants"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ != module.__name__ or name.startswith("_"):
                    continue
                first = next(iter(inspect.signature(function).parameters.values()), None)
                takes_modem_data = first is not None and first.annotation in ("bytes", "QmiMessage")
                if name.startswith(("parse", "decode", "peek")) or takes_modem_data:
                    found.add(f"{package.__name__[len('fcc_unlock.') :]}.{info.name}.{name}")
    builders = {"mbim.stream.fragment", "qmi.messages.response_to"}  # what we (or the simulator) build
    assert found - builders <= covered, sorted(found - builders - covered)


@given(st.data())
def test_payload_parsers(data):
    name = data.draw(st.sampled_from(sorted(PARSERS)))
    parser, valid = PARSERS[name]
    buffer = data.draw(hostile(valid), label=name)
    try:
        parser(buffer)
    except MbimDecodeError:
        pass


@given(hostile(st.binary(max_size=64)), st.integers(0, 80) | u32, st.integers(0, 80) | u32)
def test_infobuffer_slice_and_string(buffer, offset, size):
    fits = size == 0 or offset + size <= len(buffer)
    try:
        assert infobuffer.slice_ol(buffer, offset, size, "field") == (
            buffer[offset : offset + size] if size else b""
        )
    except MbimDecodeError:
        assert not fits
    try:
        assert isinstance(infobuffer.read_string(buffer, offset, size, "field"), str)
    except MbimDecodeError:
        assert not fits or size % 2


@st.composite
def qmi_responses(draw: st.DrawFn) -> QmiMessage:
    """A response carrying hostile TLVs of the types the extractors look at."""
    types = st.sampled_from([0x01, 0x02, 0x10, 0x11, 0x12]) | u8
    values = hostile(st.binary(max_size=8))
    tlvs = tuple(draw(st.lists(st.tuples(types, values), max_size=5)))
    service = draw(st.sampled_from([Service.CTL, Service.DMS, Service.FOX, Service.FOXAP]))
    return QmiMessage(service, draw(u8), draw(u8), draw(st.integers(0, 0xFFFF)), Kind.RESPONSE, tlvs)


EXTRACTORS = {
    "catalog.allocated_client_id": lambda m: catalog.allocated_client_id(m, Service.DMS),
    "catalog.requested_service": catalog.requested_service,
    "catalog.released_client": catalog.released_client,
    # Every catalogue message's parser, both ways (the session reads responses, the
    # simulator requests).
    **{
        f"catalog.parse({message.name} on {message.services}, {kind.name.lower()})": (
            lambda m, message=message, kind=kind: catalog.parse(message, _as(m, kind))
        )
        for message in catalog.MESSAGES
        for kind in (Kind.REQUEST, Kind.RESPONSE)
    },
    "catalog.describe_tlvs": catalog.describe_tlvs,
    "catalog.lookup": catalog.lookup,
    "QmiMessage.result": QmiMessage.result,
    "check_result": qmi_messages_module.check_result,
}


def _as(message: QmiMessage, kind: Kind) -> QmiMessage:
    return QmiMessage(
        message.service, message.client_id, message.transaction_id, message.message_id, kind, message.tlvs
    )


@given(st.sampled_from(sorted(EXTRACTORS)), qmi_responses())
def test_qmi_value_extractors(name, response):
    # Through the wire and back, as the session gets them.
    response = qmi_messages_module.decode(response.encode())
    try:
        EXTRACTORS[name](response)
    except (QmiDecodeError, ResultError):
        pass


@given(hostile(st.binary(max_size=40)))
def test_qmi_string_value(value):
    assert isinstance(qmi_messages_module.string_value(value), str)


def construct_layouts():
    from construct import Construct

    from fcc_unlock.mbim import layouts

    return sorted(name for name, value in vars(layouts).items() if isinstance(value, Construct))


@given(st.sampled_from(construct_layouts()), st.binary(max_size=120))
def test_infobuffer_parse_wraps_construct_errors(name, buffer):
    from fcc_unlock.mbim import layouts

    try:
        infobuffer.parse(getattr(layouts, name), buffer, name)
    except MbimDecodeError as error:
        assert str(error).startswith(f"{name}: ")


# --- what reads the decoded values for people ---------------------------------------------


@given(hostile(encoded_mbim))
def test_the_trace_describes_any_message(data):
    """-v prints every message the modem sends, decoded as far as it goes: never a crash."""
    try:
        message = mbim_messages_module.decode(data)
    except MbimDecodeError:
        return
    for direction in ("<-", "->"):
        lines = trace.format_event(direction, message)
        assert lines and all(isinstance(line, str) and "\n" not in line for line in lines)


@given(hostile(encoded_qmi))
def test_the_trace_describes_any_qmi_frame(frame):
    line = trace.describe_qmi(frame)
    assert isinstance(line, str) and "\n" not in line


@given(u32, u32, u32 | st.sampled_from([0, 1, 4]), u8, st.sampled_from([None, False, True]), u32, u32,
       st.none() | u32)  # fmt: skip
def test_lock_evidence_from_any_value(
    hardware, software, quectel_state, mode, restricted, lock_mode, lock_state, probe_status
):
    for evidence in (
        lockstate.radio_state_evidence(hardware, software),
        lockstate.quectel_evidence(quectel_state),
        lockstate.operating_mode_evidence(mode, restricted),
        lockstate.intel_evidence(lock_mode, lock_state),
        lockstate.probe_evidence(probe_status, "restored"),
    ):
        assert isinstance(str(evidence), str)
        assert evidence.shows in (
            None,
            lockstate.LOCKED,
            lockstate.UNLOCKED,
            lockstate.RADIO_OFF_BY_HARDWARE_SWITCH,
        )


@given(st.binary(min_size=16, max_size=16) | st.sampled_from(sorted(mbim_catalog.BY_ID)).map(lambda k: k[0]),
       st.integers(0, 20) | u32, st.booleans(), st.booleans(), hostile(st.binary(max_size=64)))  # fmt: skip
def test_mbim_catalog_describes_anything(service, cid, is_set, reply, buffer):
    # The -v trace describes any information buffer through the catalogue: a value or
    # "(undecodable: ...)", never an exception.
    described = mbim_catalog.describe_payload(service, cid, is_set, reply, buffer)
    assert described is None or isinstance(described, str)
    assert mbim_catalog.lookup(service, cid) in (None, *mbim_catalog.CIDS)
