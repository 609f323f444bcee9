"""The campaign dialer: who to call, when, how often and how many at once.

Pure policy lives in ``hours`` (calling windows) and ``policy`` (what an outcome means for
the next call); the database side is ``voicebot.crm.dialer_queue``; ``loop`` runs it embedded and
``jobs`` spreads the calls over machines through Redis (RQ).
"""
