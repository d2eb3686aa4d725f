CREATE UNLOGGED TABLE fact_events (
    day smallint NOT NULL, second int NOT NULL, visitor bigint NOT NULL,
    visit smallint NOT NULL, type smallint NOT NULL, page int NOT NULL,
    referrer smallint NOT NULL, country smallint NOT NULL, region smallint NOT NULL,
    city smallint NOT NULL, browser smallint NOT NULL, os smallint NOT NULL,
    device smallint NOT NULL, lang smallint NOT NULL, host smallint NOT NULL,
    screen smallint NOT NULL, campaign smallint NOT NULL, name smallint NOT NULL,
    media smallint NOT NULL
)
