#!/usr/bin/env python3
"""Differential test of `cinemesh query` against DuckDB.

Ingests ml-latest-small and netflix-titles with the given cinemesh binary, exports every table
back out of CineMesh (`SELECT * FROM t --format json`) and loads those same rows into DuckDB, so
both engines see identical input and only query semantics are compared. Each case is a pair
(CineMesh SQL, DuckDB SQL): the same text where DuckDB accepts it, a hand translation where the
dialects differ. Results must have the same rows in the same order (every case has a total
ORDER BY): integers exactly, doubles to 1e-9 relative (1e-12 absolute near 0), text exactly,
NULL = NULL.

With --cluster N every case also runs on a local cluster of N workers (`cinemesh up`), whose
output must be byte-identical to the in-process output.

    python3 Tests/duckdb/differential.py --cinemesh .build/debug/cinemesh --data ../shared/data [--cluster 2]

Exit status 0 when every case passes, 1 otherwise, 2 for a setup failure. Python 3 standard
library and the duckdb package only.
"""

import argparse
import concurrent.futures
import decimal
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import duckdb

# The lists CineMesh exports as text joined by '|' (NULL when empty); DuckDB gets them as lists.
LIST_COLUMNS = {"genres", "countries", "directors", "cast"}
DUCK_TYPES = {"INTEGER": "BIGINT", "DOUBLE": "DOUBLE", "TEXT": "VARCHAR", "BOOLEAN": "BOOLEAN", "NULL": "BIGINT"}
DATASETS = {"ml": "ml-latest-small", "nf": "netflix-titles"}
TABLES = ("ratings", "titles", "tags", "users")

# DuckDB session settings for CineMesh semantics: timestamps are UTC. (NULLs sort last both ways
# in both engines.)
DUCK_SETTINGS = (
    "SET TimeZone = 'UTC'",
)


class Case:
    def __init__(self, name, dataset, cinemesh, duck=None):
        self.name = name
        self.dataset = dataset
        self.cinemesh = " ".join(cinemesh.split())
        self.duck = " ".join((duck or cinemesh).split())


def ts(part):
    """DuckDB for a CineMesh date part of the integer `timestamp`."""
    return f"{part}(to_timestamp(timestamp))"


def trunc(unit, column="timestamp"):
    """DuckDB for CineMesh's date_trunc(unit, column), which is TEXT."""
    fmt = "%Y-%m-%d %H:00:00" if unit == "hour" else "%Y-%m-%d"
    return f"strftime(date_trunc('{unit}', to_timestamp({column})), '{fmt}')"


def lower_full(x):
    """DuckDB for CineMesh's lower(x): Swift's full Unicode case mapping, where 'İ' (U+0130) becomes
    'i' and a combining dot (U+0307); DuckDB's lower maps it to a plain 'i'."""
    return f"lower(replace({x}, chr(304), 'i' || chr(775)))"


def upper_full(x):
    """DuckDB for CineMesh's upper(x): full case mapping again, 'ß' becomes 'SS' (DuckDB: 'ẞ')."""
    return f"upper(replace({x}, chr(223), 'SS'))"


# The `cast` list as CineMesh shows it by its own name.
CAST_TEXT = "array_to_string(\"cast\", '|')"

# Rows of `titles` with one row per genre (CineMesh's `genre`), as a DuckDB subquery.
GENRE_TITLES = "(SELECT * EXCLUDE (genres), unnest(genres) AS genre FROM titles)"

CASES = [
    # --- projection, WHERE, ORDER BY, LIMIT / OFFSET, DISTINCT -----------------------------------
    Case("project_where_limit_offset", "ml",
         "SELECT user, item, rating, timestamp FROM ratings WHERE rating >= 4.5 AND user < 20 "
         "ORDER BY user, item LIMIT 25 OFFSET 10"),
    Case("order_desc_limit_offset", "ml",
         "SELECT item, title, year FROM titles WHERE year IS NOT NULL ORDER BY year DESC, item LIMIT 15 OFFSET 5"),
    Case("offset_past_end", "ml",
         "SELECT item, rating FROM ratings WHERE user = 1 ORDER BY item LIMIT 10 OFFSET 1000"),
    Case("offset_without_limit", "ml",
         "SELECT item, title FROM titles WHERE year = 1950 ORDER BY item OFFSET 3"),
    Case("top_rows_merged_across_blocks", "ml",
         "SELECT user, item, rating, timestamp FROM ratings ORDER BY rating DESC, timestamp, user, item LIMIT 30 OFFSET 2000"),
    Case("lower_case_keywords_quoted_names", "ml",
         "select \"user\", Count(*) as n from Ratings where \"item\" = 1 group by \"user\" order by \"user\" limit 12"),
    Case("movies_is_titles", "ml",
         "SELECT item, title FROM movies WHERE title = 'Schindler''s List (1993)' OR title BETWEEN 'Zz' AND 'Zzz' ORDER BY item",
         "SELECT item, title FROM titles WHERE title = 'Schindler''s List (1993)' OR title BETWEEN 'Zz' AND 'Zzz' ORDER BY item"),
    Case("distinct_one", "ml", "SELECT DISTINCT rating FROM ratings ORDER BY rating"),
    Case("distinct_two_desc", "ml",
         "SELECT DISTINCT user, rating FROM ratings WHERE user <= 5 ORDER BY user, rating DESC"),
    # One row per distinct value of the expression, however many column values map to it.
    Case("distinct_text_expression", "nf",
         "SELECT DISTINCT substr(maturity_rating, 1, 2) AS m FROM titles ORDER BY m"),
    Case("select_star_join", "ml",
         "SELECT * FROM ratings JOIN titles USING (item) WHERE user = 3 ORDER BY item",
         "SELECT * REPLACE (array_to_string(genres, '|') AS genres) FROM ratings JOIN titles USING (item) "
         "WHERE user = 3 ORDER BY item"),
    # --- comparisons, logic, IN, BETWEEN, LIKE, IS NULL ------------------------------------------
    Case("qualified_star", "ml",
         "SELECT t.*, r.rating FROM ratings r JOIN titles t USING (item) WHERE r.user = 4 ORDER BY t.item",
         "SELECT t.* REPLACE (array_to_string(t.genres, '|') AS genres), r.rating FROM ratings r JOIN titles t USING (item) "
         "WHERE r.user = 4 ORDER BY t.item"),
    Case("comparisons_numeric", "ml",
         "SELECT item, rating = 4 AS eq, rating <> 4 AS ne, rating != 4 AS ne2, rating < 4 AS lt, "
         "rating <= 4 AS le, rating > 4 AS gt, rating >= 4 AS ge, item = 50 AS ieq FROM ratings WHERE user = 1 ORDER BY item"),
    Case("comparisons_text", "ml",
         "SELECT item, title FROM titles WHERE title >= 'Zo' AND title < 'Zz' AND title <> 'Zoolander (2001)' "
         "ORDER BY title DESC, item"),
    Case("text_literal_vs_number", "ml",
         "SELECT item, title FROM titles WHERE year = '1915' OR year < '1910' ORDER BY item"),
    Case("and_or_not", "ml",
         "SELECT user, item, rating FROM ratings WHERE (rating = 5 OR rating < 1) AND NOT (user > 10) "
         "AND item <> 1 ORDER BY user, item"),
    Case("three_valued_logic", "ml",
         "SELECT item, year IS NULL OR year > 2000 AS a, NOT (year > 2000) AS b, "
         "year > 2000 AND title LIKE 'A%' AS c, year > 2000 OR title LIKE 'A%' AS d FROM titles "
         "WHERE item < 120 OR year IS NULL ORDER BY item"),
    Case("in_list", "ml",
         "SELECT item, title, year FROM titles WHERE item IN (1, 2, 3, 50, 999999) OR year IN (1902, 1903, 1915) "
         "ORDER BY item"),
    Case("not_in_list", "ml",
         "SELECT year, count(*) FROM titles WHERE year NOT IN (1920, 1921, 1925) AND year < 1930 "
         "GROUP BY year ORDER BY year"),
    Case("in_text_list", "nf",
         "SELECT maturity_rating, count(*) FROM titles WHERE maturity_rating IN ('PG', 'PG-13', 'R', 'NOPE') "
         "AND type NOT IN ('TV Show') GROUP BY maturity_rating ORDER BY maturity_rating"),
    Case("in_list_with_null", "ml",
         "SELECT item, year IN (1995, NULL) AS i, year NOT IN (1995, NULL) AS n, year IN (1995, 1996) AS j FROM titles "
         "WHERE item < 40 OR year IS NULL ORDER BY item"),
    Case("between", "ml",
         "SELECT rating, count(*) AS n FROM ratings WHERE rating BETWEEN 2 AND 3.5 AND item NOT BETWEEN 100 AND 2000 "
         "GROUP BY rating ORDER BY rating"),
    Case("like", "ml",
         "SELECT item, title FROM titles WHERE title LIKE 'Star %' OR (title LIKE '%(19_5)' AND title NOT LIKE '%e%') "
         "ORDER BY item"),
    Case("ilike", "nf",
         "SELECT type, count(*), min(title), max(title) FROM titles WHERE title ILIKE '%LOVE%' AND title NOT ILIKE '%lovel_%' "
         "GROUP BY type ORDER BY type"),
    Case("is_null", "nf",
         "SELECT type, count(*) AS n, count(directors) AS d FROM titles WHERE directors IS NULL AND countries IS NOT NULL "
         "GROUP BY type ORDER BY type"),
    # --- CASE, CAST, coalesce, nullif -----------------------------------------------------------
    Case("case_searched_group_alias", "ml",
         "SELECT CASE WHEN rating >= 4 THEN 'high' WHEN rating >= 2.5 THEN 'mid' ELSE 'low' END AS band, "
         "count(*) AS n, avg(rating) FROM ratings GROUP BY band ORDER BY band"),
    Case("case_simple", "ml",
         "SELECT item, CASE year WHEN 1995 THEN 'ninety-five' WHEN 1996 THEN 'ninety-six' END AS y, "
         "CASE WHEN item % 2 = 0 THEN item ELSE item / 4 END AS mixed FROM titles WHERE item < 60 ORDER BY item"),
    # CASE evaluates only the branch a row takes: a cast that would fail in another is no error.
    Case("case_branch_not_taken", "ml",
         "SELECT item, CASE WHEN item > 0 THEN 0 ELSE CAST(title AS INTEGER) END AS x FROM titles WHERE item < 4 ORDER BY item"),
    Case("cast", "ml",
         "SELECT item, CAST(year AS TEXT) || '!' AS y, CAST(item AS DOUBLE) / 3 AS d, CAST(rating * 2 AS INTEGER) AS twice, "
         "CAST(rating AS TEXT) AS r, CAST('42' AS INTEGER) AS lit FROM ratings JOIN titles USING (item) "
         "WHERE user = 7 ORDER BY item"),
    Case("cast_text_to_number", "ml",
         "SELECT item, CAST(imdbId AS INTEGER) AS imdb, CAST(tmdbId AS DOUBLE) AS tmdb FROM titles "
         "WHERE item < 40 ORDER BY item"),
    # Both engines cast a DOUBLE to INTEGER rounding half to even (CAST(2.5 AS INTEGER) = 2).
    Case("cast_double_to_integer_ties", "ml",
         "SELECT DISTINCT rating, CAST(rating AS INTEGER) AS r, CAST(-rating AS INTEGER) AS neg FROM ratings ORDER BY rating"),
    Case("coalesce_nullif", "ml",
         "SELECT item, coalesce(year, -1) AS y, nullif(year, 1995) AS n, coalesce(nullif(title, 'Jumanji (1995)'), 'none') AS t, "
         "coalesce(NULL, year, item) AS c FROM titles WHERE item < 20 OR year IS NULL ORDER BY item"),
    Case("coalesce_list_text", "nf",
         "SELECT item, coalesce(directors, countries, '(unknown)') AS who FROM titles WHERE year = 1990 ORDER BY item",
         "SELECT item, coalesce(array_to_string(directors, '|'), array_to_string(countries, '|'), '(unknown)') AS who "
         "FROM titles WHERE year = 1990 ORDER BY item"),
    # --- text functions ---------------------------------------------------------------------------
    Case("text_functions", "ml",
         "SELECT item, lower(title), upper(title), length(title), substr(title, 1, 5), substr(title, 3), "
         "trim('  ' || title || ' ') FROM titles WHERE item < 60 ORDER BY item"),
    # length and substr count code points in both engines; CineMesh's lower/upper use full
    # Unicode case mapping ('ß' -> 'SS'), DuckDB's map one code point at a time.
    Case("text_functions_unicode", "nf",
         "SELECT item, title, lower(title), upper(title), length(title), substr(title, 2, 6), upper(\"cast\"), "
         "length(description) FROM titles ORDER BY item",
         f"SELECT item, title, {lower_full('title')}, {upper_full('title')}, length(title), "
         f"substring(title, 2, 6), {upper_full(CAST_TEXT)}, "
         "length(description) FROM titles ORDER BY item"),
    Case("text_order_bytes", "nf",
         "SELECT title, item FROM titles WHERE title >= 'Z' OR title < '1' ORDER BY title DESC, item"),
    Case("substr_edges", "ml",
         "SELECT item, substr(title, 100) AS a, substr(title, 2, 0) AS b, substr(title, 0, 3) AS c, length(substr(title, 5)) AS d, "
         "substr(NULL, 1, 2) AS e FROM titles WHERE item < 8 ORDER BY item"),
    Case("double_as_text", "ml",
         "SELECT user, CAST(avg(rating) AS TEXT) AS a, '' || sum(rating) AS s FROM ratings WHERE user < 40 GROUP BY user ORDER BY user"),
    Case("concat", "ml",
         "SELECT item, title || ' [' || year || ']' AS t, 'r=' || rating AS r, item || '' AS i FROM ratings "
         "JOIN titles USING (item) WHERE user = 9 ORDER BY item"),
    # --- numbers ----------------------------------------------------------------------------------
    Case("numeric_functions", "ml",
         "SELECT user, item, abs(rating - 3.25) AS a, abs(3 - item) AS ai, round(rating / 3) AS r0, round(rating / 3, 2) AS r2, "
         "round(item * 1.0 / 7, 1) AS r1, floor(rating / 2) AS fl, ceil(rating / 2) AS ce, floor(item) AS fi, round(item) AS ri "
         "FROM ratings WHERE user = 5 ORDER BY item"),
    Case("round_negative_digits", "ml",
         "SELECT item, round(item, -2) AS i, round(item * 1.5, -1) AS d FROM titles WHERE item < 3000 AND item % 50 = 0 ORDER BY item"),
    Case("arithmetic", "ml",
         "SELECT item, item + 1, item - user, item * 2, item / 7, item % 7, -item % 7, rating * 2 - 1, rating / 0.5, "
         "-rating, (item % 5) * rating, rating % 2, rating + item * 0.25 FROM ratings WHERE user = 15 ORDER BY item"),
    Case("division_is_double", "ml",
         "SELECT item, item / 2 AS a, 7 / 2 AS b, -7 / 2 AS c, item / user AS d, sum(rating) / count(*) AS e "
         "FROM ratings WHERE user = 2 GROUP BY item, user ORDER BY item"),
    Case("division_by_zero_is_null", "ml",
         "SELECT item, item / (item % 3) AS d, item % (item % 3) AS m FROM titles WHERE item < 12 ORDER BY item",
         "SELECT item, CASE WHEN item % 3 = 0 THEN NULL ELSE item / (item % 3) END AS d, "
         "CASE WHEN item % 3 = 0 THEN NULL ELSE item % (item % 3) END AS m FROM titles WHERE item < 12 ORDER BY item"),
    # --- dates ------------------------------------------------------------------------------------
    Case("year_month_two_keys", "ml",
         "SELECT year(timestamp) AS y, month(timestamp) AS m, count(*) AS n, avg(rating) FROM ratings "
         "GROUP BY y, m ORDER BY y, m",
         f"SELECT {ts('year')} AS y, {ts('month')} AS m, count(*) AS n, avg(rating) FROM ratings "
         "GROUP BY y, m ORDER BY y, m"),
    Case("weekday_hour_positions", "ml",
         "SELECT weekday(timestamp), hour(timestamp), count(*) FROM ratings GROUP BY 1, 2 ORDER BY 1, 2",
         f"SELECT {ts('dayofweek')}, {ts('hour')}, count(*) FROM ratings GROUP BY 1, 2 ORDER BY 1, 2"),
    Case("date_parts_rows", "ml",
         "SELECT user, item, timestamp, year(timestamp), month(timestamp), day(timestamp), weekday(timestamp), "
         "hour(timestamp) FROM ratings WHERE user IN (1, 100, 600) ORDER BY timestamp, item, user",
         f"SELECT user, item, timestamp, {ts('year')}, {ts('month')}, {ts('day')}, {ts('dayofweek')}, {ts('hour')} "
         "FROM ratings WHERE user IN (1, 100, 600) ORDER BY timestamp, item, user"),
    Case("date_trunc_month", "ml",
         "SELECT date_trunc('month', timestamp) AS m, count(*), avg(rating) FROM ratings "
         "WHERE year(timestamp) = 2015 GROUP BY m ORDER BY m",
         f"SELECT {trunc('month')} AS m, count(*), avg(rating) FROM ratings "
         f"WHERE {ts('year')} = 2015 GROUP BY m ORDER BY m"),
    Case("date_trunc_units", "ml",
         "SELECT user, item, tag, timestamp, date_trunc('hour', timestamp), date_trunc('day', timestamp), "
         "date_trunc('week', timestamp), date_trunc('quarter', timestamp), date_trunc('year', timestamp) FROM tags "
         "ORDER BY user, item, tag, timestamp",
         f"SELECT user, item, tag, timestamp, {trunc('hour')}, {trunc('day')}, {trunc('week')}, {trunc('quarter')}, "
         f"{trunc('year')} FROM tags ORDER BY user, item, tag, timestamp"),
    # --- aggregates -------------------------------------------------------------------------------
    Case("aggregates_whole_table", "ml",
         "SELECT count(*), count(year), count(DISTINCT year), sum(year), avg(year), min(year), max(year), "
         "min(title), max(title), count(DISTINCT title) FROM titles"),
    Case("aggregates_empty_input", "ml",
         "SELECT count(*), count(rating), sum(rating), sum(item), avg(rating), min(rating), max(title), median(rating), "
         "stddev(rating) FROM ratings JOIN titles USING (item) WHERE rating > 10"),
    Case("aggregates_empty_groups", "ml",
         "SELECT user, count(*) FROM ratings WHERE rating > 10 GROUP BY user ORDER BY user"),
    Case("moments_per_user", "ml",
         "SELECT user, count(*), sum(rating), avg(rating), min(rating), max(rating), stddev_samp(rating), stddev(rating), "
         "var_samp(rating), var_pop(rating), stddev_pop(rating) FROM ratings GROUP BY user ORDER BY user"),
    Case("moments_tiny_groups", "ml",
         "SELECT item, count(*), var_samp(rating), stddev_samp(rating), var_pop(rating), stddev_pop(rating) "
         "FROM ratings GROUP BY item HAVING count(*) <= 2 ORDER BY item"),
    # Integer arguments; `timestamp % 86400`, not `timestamp`: a user's timestamps can lie within
    # a minute of 1.5e9, where any two streaming variance algorithms differ after 9 digits.
    Case("moments_integer_argument", "ml",
         "SELECT user, avg(item), stddev_samp(item), var_pop(timestamp % 86400), stddev_pop(timestamp % 86400), sum(timestamp) "
         "FROM ratings "
         "WHERE user <= 50 GROUP BY user ORDER BY user"),
    Case("aggregate_arithmetic", "ml",
         "SELECT user, max(rating) - min(rating) AS spread, count(*) * 2 + 1 AS c, round(avg(rating), 2) AS r FROM ratings "
         "GROUP BY user HAVING max(rating) - min(rating) < 3 ORDER BY user"),
    Case("aggregate_aliases", "ml",
         "SELECT user, mean(rating), variance(rating), stddev(rating) FROM ratings WHERE user BETWEEN 100 AND 130 "
         "GROUP BY user ORDER BY user"),
    Case("text_extremes_across_blocks", "ml",
         "SELECT rating, min(title), max(title), count(DISTINCT title), count(DISTINCT genres) FROM ratings "
         "JOIN titles USING (item) GROUP BY rating ORDER BY rating"),
    Case("median_quantiles", "ml",
         "SELECT user, median(rating), quantile(rating, 0.25), quantile(rating, 0.9), quantile_disc(rating, 0.5), "
         "quantile_cont(rating, 0.1), quantile_cont(rating, 0.75) FROM ratings GROUP BY user ORDER BY user",
         "SELECT user, median(rating), quantile_disc(rating, 0.25), quantile_disc(rating, 0.9), quantile_disc(rating, 0.5), "
         "quantile_cont(rating, 0.1), quantile_cont(rating, 0.75) FROM ratings GROUP BY user ORDER BY user"),
    Case("quantiles_integer", "ml",
         "SELECT quantile(timestamp, 0.5), median(timestamp), quantile(item, 0.33), quantile_cont(item, 0.33), "
         "quantile(item, 0), quantile(item, 1) FROM ratings",
         "SELECT quantile_disc(timestamp, 0.5), median(timestamp), quantile_disc(item, 0.33), quantile_cont(item, 0.33), "
         "quantile_disc(item, 0), quantile_disc(item, 1) FROM ratings"),
    # quantile_disc (quantile) takes any ordered type: for text, the title at that position.
    Case("quantile_text", "ml",
         "SELECT quantile(title, 0.5), quantile_disc(title, 0.1) FROM titles",
         "SELECT quantile_disc(title, 0.5), quantile_disc(title, 0.1) FROM titles"),
    Case("distinct_aggregates", "ml",
         "SELECT year(timestamp) AS y, count(DISTINCT user), count(DISTINCT item), count(DISTINCT rating), "
         "sum(DISTINCT rating), avg(DISTINCT rating), sum(DISTINCT item), min(DISTINCT rating), max(DISTINCT rating) "
         "FROM ratings GROUP BY y ORDER BY y",
         f"SELECT {ts('year')} AS y, count(DISTINCT user), count(DISTINCT item), count(DISTINCT rating), "
         "sum(DISTINCT rating), avg(DISTINCT rating), sum(DISTINCT item), min(DISTINCT rating), max(DISTINCT rating) "
         "FROM ratings GROUP BY y ORDER BY y"),
    Case("min_max_text_groups", "nf",
         "SELECT type, count(title), count(DISTINCT maturity_rating), min(title), max(title), min(date_added), "
         "max(duration) FROM titles GROUP BY type ORDER BY type"),
    Case("bayes_avg_having", "ml",
         "SELECT item, count(*) AS n, bayes_avg(rating, 10) AS b FROM ratings GROUP BY item HAVING count(*) >= 50 "
         "ORDER BY b DESC, item LIMIT 20",
         "SELECT item, count(*) AS n, (sum(rating) + 10 * (SELECT avg(rating) FROM ratings)) / (count(rating) + 10) AS b "
         "FROM ratings GROUP BY item HAVING count(*) >= 50 ORDER BY b DESC, item LIMIT 20"),
    Case("bayes_avg_where_join_genre", "ml",
         "SELECT genre, count(*) AS n, bayes_avg(rating, 100) AS b FROM ratings JOIN titles USING (item) "
         "WHERE year(timestamp) >= 2010 GROUP BY genre ORDER BY genre",
         f"SELECT genre, count(*) AS n, (sum(rating) + 100 * (sum(sum(rating)) OVER () / sum(count(rating)) OVER ())) "
         f"/ (count(rating) + 100) AS b FROM ratings JOIN {GENRE_TITLES} USING (item) "
         f"WHERE {ts('year')} >= 2010 GROUP BY genre ORDER BY genre"),
    Case("bayes_avg_explicit_prior", "ml",
         "SELECT user, bayes_avg(rating, 5, 3.0) AS b FROM ratings WHERE user <= 30 GROUP BY user ORDER BY user",
         "SELECT user, (sum(rating) + 5 * 3.0) / (count(rating) + 5) AS b FROM ratings WHERE user <= 30 "
         "GROUP BY user ORDER BY user"),
    # --- GROUP BY, HAVING, ORDER BY forms ---------------------------------------------------------
    Case("group_by_position_order_alias", "ml",
         "SELECT rating AS r, count(*) AS n FROM ratings GROUP BY 1 ORDER BY n DESC, r"),
    Case("group_by_key_not_selected", "ml",
         "SELECT count(*) AS n FROM ratings GROUP BY user ORDER BY n DESC, user LIMIT 10"),
    Case("having_without_group_by", "ml",
         "SELECT count(*), avg(rating) FROM ratings HAVING count(*) > 5"),
    Case("having_on_group_key", "ml",
         "SELECT user, count(*) FROM ratings GROUP BY user HAVING user < 40 AND count(*) > 50 ORDER BY user"),
    Case("group_by_two_keys", "ml",
         "SELECT year, rating, count(*) AS n FROM ratings JOIN titles USING (item) WHERE year >= 2015 "
         "GROUP BY year, rating ORDER BY year, rating DESC"),
    Case("having_hidden_aggregate", "ml",
         "SELECT user, count(*) AS n FROM ratings GROUP BY user HAVING avg(rating) > 4.2 ORDER BY n DESC, user"),
    Case("order_by_expression", "ml",
         "SELECT user, item, rating FROM ratings WHERE user = 10 ORDER BY rating * -1, item % 7, item"),
    Case("order_by_aggregate_expression", "ml",
         "SELECT user, count(*) FROM ratings GROUP BY user ORDER BY max(timestamp) - min(timestamp) DESC, user LIMIT 20"),
    Case("nulls_first_last", "ml",
         "SELECT item, year FROM titles WHERE item < 1000 OR year IS NULL ORDER BY year NULLS FIRST, item LIMIT 40"),
    Case("nulls_desc_default_and_last", "ml",
         "SELECT year, count(*) AS n FROM titles WHERE year < 1925 OR year IS NULL GROUP BY year ORDER BY year DESC"),
    Case("nulls_desc_last", "ml",
         "SELECT item, year FROM titles WHERE item > 150000 ORDER BY year DESC NULLS LAST, item"),
    # --- joins ------------------------------------------------------------------------------------
    Case("join_using_group", "ml",
         "SELECT title, count(*) AS n, avg(rating) FROM ratings JOIN titles USING (item) GROUP BY title "
         "ORDER BY n DESC, title LIMIT 25"),
    Case("join_on", "ml",
         "SELECT r.user, t.title, r.rating FROM ratings r JOIN titles t ON r.item = t.item WHERE r.user = 1 "
         "ORDER BY t.title, r.item"),
    Case("left_join_unrated_titles", "ml",
         "SELECT item, title, rating FROM titles t LEFT JOIN ratings r USING (item) WHERE rating IS NULL ORDER BY item"),
    Case("left_join_counts", "ml",
         "SELECT t.year, count(*) AS n, count(r.rating) AS rated FROM titles t LEFT JOIN ratings r USING (item) "
         "WHERE t.year < 1930 GROUP BY t.year ORDER BY t.year"),
    Case("right_join_on", "ml",
         "SELECT t.item, t.title, r.user, r.rating FROM ratings r RIGHT JOIN titles t ON r.item = t.item "
         "WHERE r.user IS NULL OR r.user = 1 ORDER BY t.item, r.user"),
    Case("right_join_keeps_ratings", "ml",
         "SELECT count(*), count(t.title), count(DISTINCT item), sum(rating) FROM titles t RIGHT JOIN ratings r USING (item)"),
    Case("full_join_ratings_titles", "ml",
         "SELECT item, count(*) AS n, count(r.user) AS raters FROM ratings r FULL OUTER JOIN titles t USING (item) "
         "WHERE item < 1500 GROUP BY item HAVING count(r.user) <= 1 ORDER BY item"),
    Case("full_join_tags_ratings", "ml",
         "SELECT count(*), count(r.rating), count(g.tag), count(DISTINCT g.tag), sum(r.rating) "
         "FROM ratings r FULL JOIN tags g ON r.user = g.user AND r.item = g.item"),
    Case("full_join_ratings_tags_rows", "ml",
         "SELECT g.user, g.item, g.tag, r.rating FROM tags g FULL JOIN ratings r ON g.user = r.user AND g.item = r.item "
         "WHERE r.rating IS NULL ORDER BY g.user, g.item, g.tag"),
    Case("ratings_join_tags", "ml",
         "SELECT g.tag, count(*) AS n, avg(r.rating) FROM ratings r JOIN tags g USING (user, item) GROUP BY g.tag "
         "ORDER BY n DESC, g.tag LIMIT 30"),
    Case("three_way_join", "ml",
         "SELECT r.user, r.item, t.title, g.tag FROM ratings r JOIN titles t USING (item) "
         "LEFT JOIN tags g ON g.user = r.user AND g.item = r.item WHERE r.user = 2 ORDER BY r.item, g.tag"),
    # --- unnesting --------------------------------------------------------------------------------
    Case("unnest_element_count", "nf",
         "SELECT count(genre), count(DISTINCT genre) FROM titles",
         "SELECT count(genre), count(DISTINCT genre) FROM (SELECT unnest(genres) AS genre FROM titles)"),
    Case("list_element_totals", "nf",
         "SELECT count(cast_member) FROM titles",
         "SELECT sum(len(\"cast\")) FROM titles"),
    # Naming `director` anywhere unnests directors: titles without one disappear from the query.
    Case("unnest_directors_drops_empty", "nf",
         "SELECT type, count(*), count(director), count(DISTINCT director), count(directors), count(countries) "
         "FROM titles GROUP BY type ORDER BY type",
         "SELECT type, count(*), count(director), count(DISTINCT director), count(directors), count(countries) "
         "FROM (SELECT *, unnest(directors) AS director FROM titles) GROUP BY type ORDER BY type"),
    # Two singular names in one query: the cross product of the two lists, per title.
    Case("unnest_two_lists_counts", "nf",
         "SELECT type, count(*), count(director), count(cast_member), count(DISTINCT director), "
         "count(DISTINCT cast_member) FROM titles GROUP BY type ORDER BY type",
         "SELECT type, count(*), count(director), count(cast_member), count(DISTINCT director), "
         "count(DISTINCT cast_member) FROM (SELECT *, unnest(\"cast\") AS cast_member FROM "
         "(SELECT *, unnest(directors) AS director FROM titles)) GROUP BY type ORDER BY type"),
    Case("unnest_genre_group", "ml",
         "SELECT genre, count(*) FROM titles GROUP BY genre ORDER BY genre",
         f"SELECT genre, count(*) FROM {GENRE_TITLES} GROUP BY genre ORDER BY genre"),
    Case("unnest_function_rows", "ml",
         "SELECT item, unnest(genres) FROM titles WHERE item < 20 ORDER BY 1, 2"),
    Case("list_column_as_text", "ml",
         "SELECT item, genres FROM titles WHERE genres IS NULL OR item < 10 ORDER BY item",
         "SELECT item, array_to_string(genres, '|') FROM titles WHERE genres IS NULL OR item < 10 ORDER BY item"),
    Case("unnest_filter_element", "ml",
         "SELECT item, title, genre FROM titles WHERE genre LIKE 'Sci%' AND year = 1999 ORDER BY item, genre",
         f"SELECT item, title, genre FROM {GENRE_TITLES} WHERE genre LIKE 'Sci%' AND year = 1999 ORDER BY item, genre"),
    Case("unnest_after_left_join", "ml",
         "SELECT genre, count(*) AS n, count(r.rating) AS rated FROM titles t LEFT JOIN ratings r USING (item) "
         "GROUP BY genre ORDER BY genre",
         "SELECT genre, count(*) AS n, count(r.rating) AS rated FROM (SELECT item, unnest(genres) AS genre FROM titles) t "
         "LEFT JOIN ratings r USING (item) GROUP BY genre ORDER BY genre"),
    Case("unnest_plain_rows_limit", "ml",
         "SELECT r.user, r.item, genre FROM ratings r JOIN titles USING (item) WHERE r.user = 1 ORDER BY r.item, genre LIMIT 15",
         f"SELECT r.user, r.item, genre FROM ratings r JOIN {GENRE_TITLES} USING (item) WHERE r.user = 1 "
         "ORDER BY r.item, genre LIMIT 15"),
    Case("distinct_unnest_desc_limit", "ml",
         "SELECT DISTINCT genre FROM ratings JOIN titles USING (item) WHERE rating = 0.5 ORDER BY genre DESC LIMIT 5",
         f"SELECT DISTINCT genre FROM ratings JOIN {GENRE_TITLES} USING (item) WHERE rating = 0.5 ORDER BY genre DESC LIMIT 5"),
    Case("unnest_join_ratings", "ml",
         "SELECT genre, count(*) AS n, avg(rating), count(DISTINCT user) FROM ratings JOIN titles USING (item) "
         "GROUP BY genre ORDER BY n DESC, genre",
         f"SELECT genre, count(*) AS n, avg(rating), count(DISTINCT user) FROM ratings JOIN {GENRE_TITLES} USING (item) "
         "GROUP BY genre ORDER BY n DESC, genre"),
    Case("distinct_unnest", "nf",
         "SELECT DISTINCT country FROM titles WHERE year = 2000 ORDER BY country",
         "SELECT DISTINCT country FROM (SELECT unnest(countries) AS country FROM titles WHERE year = 2000) ORDER BY country"),
    Case("unnest_cross_product", "nf",
         "SELECT country, genre, count(*) AS n FROM titles WHERE type = 'Movie' GROUP BY country, genre "
         "HAVING count(*) >= 40 ORDER BY n DESC, country, genre",
         "SELECT country, genre, count(*) AS n FROM (SELECT *, unnest(countries) AS country FROM "
         "(SELECT *, unnest(genres) AS genre FROM titles)) WHERE type = 'Movie' GROUP BY country, genre "
         "HAVING count(*) >= 40 ORDER BY n DESC, country, genre"),
    # --- the Netflix catalog ----------------------------------------------------------------------
    Case("netflix_type_year", "nf",
         "SELECT type, year, count(*) FROM titles WHERE year >= 2012 GROUP BY type, year ORDER BY type, year"),
    Case("netflix_country_top", "nf",
         "SELECT country, count(*) AS n, sum(CASE WHEN type = 'Movie' THEN 1 ELSE 0 END) AS movies FROM titles "
         "GROUP BY country ORDER BY n DESC, country LIMIT 20",
         "SELECT country, count(*) AS n, sum(CASE WHEN type = 'Movie' THEN 1 ELSE 0 END) AS movies FROM "
         "(SELECT *, unnest(countries) AS country FROM titles) GROUP BY country ORDER BY n DESC, country LIMIT 20"),
    Case("netflix_genre_by_type", "nf",
         "SELECT genre, type, count(*), min(year), max(year) FROM titles GROUP BY genre, type ORDER BY genre, type",
         f"SELECT genre, type, count(*), min(year), max(year) FROM {GENRE_TITLES} GROUP BY genre, type ORDER BY genre, type"),
    Case("netflix_directors", "nf",
         "SELECT director, count(*) AS n FROM titles GROUP BY director HAVING count(*) >= 8 ORDER BY n DESC, director",
         "SELECT director, count(*) AS n FROM (SELECT unnest(directors) AS director FROM titles) GROUP BY director "
         "HAVING count(*) >= 8 ORDER BY n DESC, director"),
    Case("netflix_cast_members", "nf",
         "SELECT cast_member, count(*) AS n, min(year), max(year) FROM titles WHERE type = 'TV Show' "
         "GROUP BY cast_member ORDER BY n DESC, cast_member LIMIT 25",
         "SELECT cast_member, count(*) AS n, min(year), max(year) FROM (SELECT *, unnest(\"cast\") AS cast_member "
         "FROM titles) WHERE type = 'TV Show' GROUP BY cast_member ORDER BY n DESC, cast_member LIMIT 25"),
    # GROUP BY a text expression of one column: one group per value of the expression.
    Case("netflix_date_added_year", "nf",
         "SELECT substr(date_added, length(date_added) - 3, 4) AS added, count(*) AS n, "
         "count(CASE WHEN date_added LIKE 'December%' THEN 1 END) AS december FROM titles WHERE date_added IS NOT NULL "
         "GROUP BY added ORDER BY added"),
    # WHERE removes the shows ('2 Seasons') before the cast sees their durations.
    Case("netflix_movie_minutes", "nf",
         "SELECT year, count(*) AS n, avg(CAST(substr(duration, 1, length(duration) - 4) AS INTEGER)) AS minutes, "
         "max(CAST(substr(duration, 1, length(duration) - 4) AS INTEGER)) AS longest FROM titles "
         "WHERE type = 'Movie' AND duration LIKE '% min' GROUP BY year HAVING count(*) >= 20 ORDER BY year"),
    # '1 Season' takes the first branch, so its ELSE (a cast of '') is never evaluated.
    Case("netflix_show_seasons", "nf",
         "SELECT CASE WHEN duration LIKE '1 Season' THEN 1 ELSE CAST(substr(duration, 1, length(duration) - 8) AS INTEGER) END "
         "AS seasons, count(*) AS n FROM titles WHERE type = 'TV Show' AND duration IS NOT NULL GROUP BY seasons ORDER BY seasons"),
    Case("netflix_maturity_nulls_first", "nf",
         "SELECT maturity_rating, type, count(*) FROM titles GROUP BY maturity_rating, type "
         "ORDER BY maturity_rating NULLS FIRST, type"),
]


# --- running the engines ----------------------------------------------------------------------------


class QueryFailed(Exception):
    pass


def run_cinemesh(binary, dataset, sql, env=None, cluster=False):
    """The query's JSON output (bytes) from the binary, in-process or on the running cluster."""
    args = [binary, "query", dataset, sql, "--format", "json"] + (["--cluster"] if cluster else [])
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=300)
    if p.returncode != 0:
        raise QueryFailed(p.stderr.decode(errors="replace").strip() or f"exit status {p.returncode}")
    return p.stdout


def decode_cinemesh(output):
    """(columns, rows) of CineMesh JSON output, values typed by the column types."""
    doc = json.loads(output)
    types = doc["types"]

    def value(v, t):
        if v is None:
            return None
        if t == "DOUBLE":
            return float(v)
        if t == "INTEGER":
            return int(v)
        return v

    return doc["columns"], [[value(v, types[i]) for i, v in enumerate(row)] for row in doc["rows"]], types


def load_duckdb(binary, path, workdir, name):
    """An in-memory DuckDB holding the dataset's tables as CineMesh exports them."""
    con = duckdb.connect()
    for s in DUCK_SETTINGS:
        con.execute(s)
    for table in TABLES:
        try:
            out = run_cinemesh(binary, path, f"SELECT * FROM {table}")
        except QueryFailed as e:
            if f"no table '{table}'" in str(e):
                continue
            raise
        columns, rows, types = decode_cinemesh(out)
        ndjson = os.path.join(workdir, f"{name}-{table}.ndjson")
        with open(ndjson, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False))
                f.write("\n")

        def q(s):
            return '"' + s.replace('"', '""') + '"'

        spec = ", ".join(f"'{c}': '{DUCK_TYPES[t]}'" for c, t in zip(columns, types))
        select = ", ".join(f"string_split({q(c)}, '|') AS {q(c)}" if c in LIST_COLUMNS else q(c) for c in columns)
        if rows:
            con.execute(f"CREATE TABLE {table} AS SELECT {select} FROM "
                        f"read_json(?, format = 'newline_delimited', columns = {{{spec}}})", [ndjson])
        else:
            con.execute(f"CREATE TABLE {table} AS SELECT {select} FROM "
                        f"(SELECT {', '.join(f'NULL::{DUCK_TYPES[t]} AS {q(c)}' for c, t in zip(columns, types))}) WHERE false")
        (n,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        if n != len(rows):
            raise RuntimeError(f"{name}.{table}: DuckDB loaded {n} rows, CineMesh exported {len(rows)}")
        os.remove(ndjson)
    return con


# --- comparing ----------------------------------------------------------------------------------------


def normalized(v):
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def same_value(a, b, ctype):
    """CineMesh value `a` (of type `ctype`) against DuckDB value `b`."""
    if a is None or b is None:
        return a is None and b is None
    b = normalized(b)
    if ctype == "DOUBLE":
        if isinstance(b, bool) or not isinstance(b, (int, float)):
            return False
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if a == b:
            return True
        return abs(a - b) <= max(1e-9 * max(abs(a), abs(b)), 1e-12)
    if ctype == "INTEGER":
        return not isinstance(b, bool) and isinstance(b, (int, float)) and a == b
    if ctype == "BOOLEAN":
        return isinstance(b, bool) and a == b
    if ctype == "TEXT":
        return isinstance(b, str) and a == b
    return a == b


def compare(cm_rows, cm_types, duck_rows, duck_width):
    """None when the results agree, else a description of the first difference."""
    if cm_types and len(cm_types) != duck_width:
        return f"column count: CineMesh {len(cm_types)}, DuckDB {duck_width}"
    for i, (a, b) in enumerate(zip(cm_rows, duck_rows)):
        if len(a) != len(b) or not all(same_value(x, y, t) for x, y, t in zip(a, b, cm_types)):
            return f"row {i}:\n      CineMesh: {show(a)}\n      DuckDB:   {show([normalized(v) for v in b])}"
    if len(cm_rows) != len(duck_rows):
        i = min(len(cm_rows), len(duck_rows))
        extra = f"CineMesh row {i}: {show(cm_rows[i])}" if len(cm_rows) > i else f"DuckDB row {i}: {show(duck_rows[i])}"
        return f"row count: CineMesh {len(cm_rows)}, DuckDB {len(duck_rows)}; first extra {extra}"
    return None


def show(row):
    return "[" + ", ".join("NULL" if v is None else repr(v) for v in row) + "]"


def first_line_difference(a, b):
    al, bl = a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines()
    for i, (x, y) in enumerate(zip(al, bl)):
        if x != y:
            return f"line {i + 1}:\n      in-process: {x.strip()}\n      cluster:    {y.strip()}"
    return f"in-process output has {len(al)} lines, cluster output {len(bl)}"


# --- the local cluster ------------------------------------------------------------------------------


class Cluster:
    """`cinemesh up` with its own CINEMESH_HOME; `cinemesh down` in `close`."""

    def __init__(self, binary, workdir, workers):
        self.binary = binary
        self.env = dict(os.environ, CINEMESH_HOME=os.path.join(workdir, "home"))
        self.started = False
        p = subprocess.run([binary, "up", "--workers", str(workers)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=self.env, timeout=120)
        # A failed `up` stops what it started; one that failed because a cluster already runs in
        # this home must not lead to stopping that cluster.
        if p.returncode != 0:
            raise RuntimeError(f"cinemesh up failed:\n{p.stdout.decode(errors='replace')}")
        self.started = True

    def close(self):
        if self.started:
            subprocess.run([self.binary, "down"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env, timeout=120)
            self.started = False


# --- main ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cinemesh", required=True, help="the cinemesh binary")
    ap.add_argument("--data", required=True, help="the shared data folder (holding ml-latest-small and netflix-titles)")
    ap.add_argument("--workdir", help="where datasets go (default: a temporary folder, removed at the end)")
    ap.add_argument("--cluster", type=int, metavar="N", help="also run every case on a local cluster of N workers")
    ap.add_argument("--case", action="append", help="run only the named case(s)")
    ap.add_argument("--jobs", type=int, default=2, help="cinemesh processes at a time (default 2)")
    args = ap.parse_args()

    binary = os.path.abspath(args.cinemesh)
    if not os.access(binary, os.X_OK):
        print(f"differential: {binary} is not an executable", file=sys.stderr)
        return 2
    own_workdir = args.workdir is None
    workdir = os.path.abspath(args.workdir or tempfile.mkdtemp(prefix="cinemesh-duckdiff-"))
    os.makedirs(workdir, exist_ok=True)
    cases = [c for c in CASES if not args.case or c.name in args.case]
    if args.case and len(cases) != len(set(args.case)):
        print(f"differential: unknown case in {args.case}", file=sys.stderr)
        return 2
    started = time.monotonic()
    cluster = None
    try:
        paths = {}
        cons = {}
        for key, source in DATASETS.items():
            src = os.path.join(args.data, source)
            if not os.path.isdir(src):
                print(f"differential: no {source} in {args.data}", file=sys.stderr)
                return 2
            paths[key] = os.path.join(workdir, "datasets", source)
            if os.path.exists(paths[key]):
                shutil.rmtree(paths[key])
            p = subprocess.run([binary, "ingest", src, "--out", paths[key]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode != 0:
                print(f"differential: ingest of {src} failed:\n{p.stdout.decode(errors='replace')}", file=sys.stderr)
                return 2
            cons[key] = load_duckdb(binary, paths[key], workdir, key)
        if args.cluster:
            try:
                cluster = Cluster(binary, workdir, args.cluster)
            except RuntimeError as e:
                print(f"differential: {e}", file=sys.stderr)
                return 2

        def cinemesh_side(case):
            """(in-process output or error, cluster output or error) of one case."""
            try:
                local = run_cinemesh(binary, paths[case.dataset], case.cinemesh)
            except QueryFailed as e:
                local = e
            remote = None
            if cluster:
                try:
                    remote = run_cinemesh(binary, paths[case.dataset], case.cinemesh, env=cluster.env, cluster=True)
                except QueryFailed as e:
                    remote = e
            return local, remote

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outputs = pool.map(cinemesh_side, cases)
            passed = 0
            failed = []
            for case, (local, remote) in zip(cases, outputs):
                problems = []
                try:
                    cur = cons[case.dataset].execute(case.duck)
                    duck_rows = cur.fetchall()
                    duck_width = len(cur.description)
                except duckdb.Error as e:
                    duck_rows, duck_width = None, 0
                    problems.append(f"DuckDB error: {e}")
                if isinstance(local, QueryFailed):
                    problems.append(f"CineMesh error: {local}")
                elif duck_rows is not None:
                    _, cm_rows, cm_types = decode_cinemesh(local)
                    d = compare(cm_rows, cm_types, duck_rows, duck_width)
                    if d:
                        problems.append(f"results differ at {d}")
                if cluster:
                    if isinstance(remote, QueryFailed):
                        problems.append(f"cluster error: {remote}")
                    elif not isinstance(local, QueryFailed) and remote != local:
                        problems.append(f"cluster output is not byte-identical to in-process output, {first_line_difference(local, remote)}")
                if problems:
                    failed.append(case.name)
                    print(f"FAIL {case.name} ({DATASETS[case.dataset]})")
                    print(f"  CineMesh: {case.cinemesh}")
                    print(f"  DuckDB:   {case.duck}")
                    for p in problems:
                        print(f"  {p}")
                else:
                    passed += 1
                    print(f"ok   {case.name}")
                sys.stdout.flush()
        where = f", each also on a local cluster of {args.cluster} workers" if args.cluster else ""
        if failed:
            print(f"failed: {', '.join(failed)}")
        print(f"duckdb differential: {len(cases)} cases, {passed} passed{where} ({time.monotonic() - started:.0f} s)")
        return 0 if passed == len(cases) else 1
    finally:
        if cluster:
            cluster.close()
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
