"""Every MBIM binary layout, declared once, with construct.

This module is the single source of the MBIM wire formats. Importing construct costs
more than a whole hotplug run may take, so the fixed-size layouts named in ``HOT``
are also compiled into plain ``struct`` formats in ``_structs.py`` by
``python -m fcc_unlock.tools.codegen``; tests prove that file current and equivalent.
Variable-size payloads are parsed with these declarations directly, off the hot path.

Offsets in an information buffer ("OL pairs") are relative to the start of the
information buffer; strings are UTF-16LE without a terminator, padded to 4 bytes.
"""

from construct import Array, Bytes, Int16ul, Int32ul, Int64ul, Struct, this

# --- message framing (docs/protocol.md §1.3-§1.8) ---------------------------------------

Header = Struct(
    "message_type" / Int32ul,
    "message_length" / Int32ul,  # of this message or fragment, header included
    "transaction_id" / Int32ul,
)

FragmentHeader = Struct(
    "total_fragments" / Int32ul,
    "current_fragment" / Int32ul,
)

Open = Struct(
    "header" / Header,
    "max_control_transfer" / Int32ul,
)

# OPEN_DONE and CLOSE_DONE
Done = Struct(
    "header" / Header,
    "status" / Int32ul,
)

# HOST_ERROR and FUNCTION_ERROR
Error = Struct(
    "header" / Header,
    "error_status_code" / Int32ul,
)

# The fixed part of COMMAND (fragment 0); the information buffer follows.
CommandPrefix = Struct(
    "header" / Header,
    "fragment" / FragmentHeader,
    "device_service_id" / Bytes(16),
    "cid" / Int32ul,
    "command_type" / Int32ul,
    "information_buffer_length" / Int32ul,
)

CommandDonePrefix = Struct(
    "header" / Header,
    "fragment" / FragmentHeader,
    "device_service_id" / Bytes(16),
    "cid" / Int32ul,
    "status" / Int32ul,
    "information_buffer_length" / Int32ul,
)

IndicateStatusPrefix = Struct(
    "header" / Header,
    "fragment" / FragmentHeader,
    "device_service_id" / Bytes(16),
    "cid" / Int32ul,
    "information_buffer_length" / Int32ul,
)

# --- information buffers --------------------------------------------------------------

OlPair = Struct(
    "offset" / Int32ul,
    "size" / Int32ul,
)

# Basic Connect RADIO_STATE (CID 3): SET payload, and QUERY/SET response.
RadioStateSet = Struct("radio_state" / Int32ul)
RadioStateInfo = Struct(
    "hw_radio_state" / Int32ul,
    "sw_radio_state" / Int32ul,
)

# Quectel vendor RADIO_STATE (CID 1): the same u32 for SET and the QUERY response.
QuectelRadioState = Struct("radio_state" / Int32ul)

# Intel Mutual Authentication FCC_LOCK (CID 1), docs/protocol.md §5.5: the QUERY's reply
# (lock mode, lock state); a SET's request (response present, response) and its reply
# (challenge present, challenge). Three meanings of one 8-byte shape, declared apart.
IntelFccLockState = Struct(
    "lock_mode" / Int32ul,
    "lock_state" / Int32ul,
)
IntelFccLockSet = Struct(
    "response_present" / Int32ul,
    "response" / Int32ul,
)
IntelFccLockChallenge = Struct(
    "challenge_present" / Int32ul,
    "challenge" / Int32ul,
)

# Basic Connect DEVICE_CAPS (CID 1) response: fixed part, then the strings.
DeviceCapsFixed = Struct(
    "device_type" / Int32ul,
    "cellular_class" / Int32ul,
    "voice_class" / Int32ul,
    "sim_class" / Int32ul,
    "data_class" / Int32ul,
    "sms_caps" / Int32ul,
    "control_caps" / Int32ul,
    "max_sessions" / Int32ul,
    "custom_data_class" / OlPair,
    "device_id" / OlPair,
    "firmware_info" / OlPair,
    "hardware_info" / OlPair,
)

# Basic Connect DEVICE_SERVICES (CID 16) response: count, then one OL pair per element.
DeviceServicesFixed = Struct(
    "device_services_count" / Int32ul,
    "max_dss_sessions" / Int32ul,
    "elements" / Array(this.device_services_count, OlPair),
)
DeviceServiceElement = Struct(
    "device_service_id" / Bytes(16),
    "dss_payload" / Int32ul,
    "max_dss_instances" / Int32ul,
    "cids_count" / Int32ul,
    "cids" / Array(this.cids_count, Int32ul),
)

# Basic Connect DEVICE_SERVICE_SUBSCRIBE_LIST (CID 19) SET: count, OL pairs to entries.
SubscribeListFixed = Struct(
    "events_count" / Int32ul,
    "entries" / Array(this.events_count, OlPair),
)
SubscribeListEntry = Struct(
    "device_service_id" / Bytes(16),
    "cids_count" / Int32ul,
    "cids" / Array(this.cids_count, Int32ul),
)

# Basic Connect: the SIM and the network (docs/protocol.md §2.7). Simulator and
# diagnostic payloads only; none of them is on an unlock path.

# SUBSCRIBER_READY_STATUS (CID 2) response: the two ids, then one OL pair per number.
SubscriberReadyStatusFixed = Struct(
    "ready_state" / Int32ul,
    "subscriber_id" / OlPair,  # the IMSI
    "sim_icc_id" / OlPair,
    "ready_info" / Int32ul,
    "telephone_numbers_count" / Int32ul,
    "telephone_numbers" / Array(this.telephone_numbers_count, OlPair),
)

# PIN (CID 4): the SET, and the response to a QUERY or a SET.
PinSetFixed = Struct(
    "pin_type" / Int32ul,
    "pin_operation" / Int32ul,
    "pin" / OlPair,
    "new_pin" / OlPair,
)
PinInfo = Struct(
    "pin_type" / Int32ul,
    "pin_state" / Int32ul,
    "remaining_attempts" / Int32ul,
)

# HOME_PROVIDER (CID 6) response: one MBIM_PROVIDER, inline at the start of the buffer.
ProviderFixed = Struct(
    "provider_id" / OlPair,
    "provider_state" / Int32ul,
    "provider_name" / OlPair,
    "cellular_class" / Int32ul,
    "rssi" / Int32ul,
    "error_rate" / Int32ul,
)

# REGISTER_STATE (CID 9): the response (QUERY, SET, notification) and the SET.
RegistrationStateFixed = Struct(
    "nw_error" / Int32ul,
    "register_state" / Int32ul,
    "register_mode" / Int32ul,
    "available_data_classes" / Int32ul,
    "current_cellular_class" / Int32ul,
    "provider_id" / OlPair,
    "provider_name" / OlPair,
    "roaming_text" / OlPair,
    "registration_flag" / Int32ul,
)
RegisterStateSetFixed = Struct(
    "provider_id" / OlPair,
    "register_action" / Int32ul,
    "data_class" / Int32ul,
)

# PACKET_SERVICE (CID 10): the response (speeds in bits per second) and the SET.
PacketServiceInfo = Struct(
    "nw_error" / Int32ul,
    "packet_service_state" / Int32ul,
    "highest_available_data_class" / Int32ul,
    "uplink_speed" / Int64ul,
    "downlink_speed" / Int64ul,
)
PacketServiceSet = Struct("packet_service_action" / Int32ul)

# SIGNAL_STATE (CID 11): the response and the SET.
SignalStateInfo = Struct(
    "rssi" / Int32ul,
    "error_rate" / Int32ul,
    "signal_strength_interval" / Int32ul,
    "rssi_threshold" / Int32ul,
    "error_rate_threshold" / Int32ul,
)
SignalStateSet = Struct(
    "signal_strength_interval" / Int32ul,
    "rssi_threshold" / Int32ul,
    "error_rate_threshold" / Int32ul,
)

# Proxy Control CONFIGURATION (CID 1) SET: device path (OL string) and timeout.
ProxyConfigurationFixed = Struct(
    "device_path" / OlPair,
    "timeout" / Int32ul,
)

# Proxy Control VERSION (CID 2) notification: each version is ``major << 8 | minor``.
ProxyVersion = Struct(
    "mbim_version" / Int16ul,
    "mbim_extended_version" / Int16ul,
)

# Fixed-size layouts used on the hotplug path; compiled into _structs.py.
HOT = (
    "Header",
    "FragmentHeader",
    "Open",
    "Done",
    "Error",
    "CommandPrefix",
    "CommandDonePrefix",
    "IndicateStatusPrefix",
    "OlPair",
    "RadioStateSet",
    "RadioStateInfo",
    "QuectelRadioState",
    "IntelFccLockState",
    "IntelFccLockSet",
    "IntelFccLockChallenge",
    "ProxyConfigurationFixed",
    "ProxyVersion",
)
