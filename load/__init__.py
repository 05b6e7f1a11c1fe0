"""`make load`: a load test on loopback against the real multi-school stack (issue 15, part 5).

Three schools on one deployment (their own PostgreSQL database and queue prefix), every
process started as docs/schools.md documents it, a routine backlog seeded before the timed
window, concurrent staff and DSLs on the JSON API, a worker SIGKILLed and RabbitMQ restarted
during the window; then the invariants (nothing lost, delivered once, nothing crosses schools)
and the figures. Nothing in the application imports this package.
"""
