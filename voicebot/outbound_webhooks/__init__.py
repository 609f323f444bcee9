"""What the platform is told, and how: the approval workflow that queues a notification
(``approval``), the signed HTTP sender that delivers it (``sender``), and the operator's
commands (``commands``). The delivery log itself is ``voicebot.crm.webhook_log``."""
