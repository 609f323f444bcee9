"""One phone conversation: the transport-agnostic CallSession (turn taking, barge-in, silence,
persistence), its transports and the stereo recording."""
