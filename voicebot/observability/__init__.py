"""What the call tier counts and logs: Prometheus metrics and their observers, and log lines
that carry the call id. Below the call layer, so the call, the Twilio edge and the dialer can
all report through it."""
