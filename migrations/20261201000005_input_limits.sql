-- Limits the database keeps too, for lists a form could otherwise grow without end.

-- A truck carries a few containers (domain::container::MAX_PER_TRIP).
alter table trips add constraint trips_containers_few check (cardinality(containers) <= 4);
