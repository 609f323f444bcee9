"""When a merchant may be called and what a call's outcome means for the next one: pure rules
over states and clocks, no database. The CRM stores the states defined here; the dialer
applies the rules."""
