"""A local stand-in for Twilio and for a merchant: scenario files, the persona that hears and
answers, the REST API and media-stream side of Twilio, and the runner behind
`voicebot simulate` and the end-to-end tests."""
