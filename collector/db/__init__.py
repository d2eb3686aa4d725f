"""PostgreSQL: where the server comes from, connections, migrations, partitions."""
