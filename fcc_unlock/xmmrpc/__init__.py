"""Intel XMM7360 RPC (the ``/dev/wwanNxmmrpc0`` port): codec, catalogue and session.

``codec`` turns bytes into frames and element lists and back (no I/O, no clock),
``catalog`` describes each call once, ``session.RpcSession`` does the I/O with
deadlines. The wire format is written up in docs/xmmrpc.md §1.
"""
