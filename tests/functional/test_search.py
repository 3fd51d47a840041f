"""Tags and search over HTTP: word-prefix matching (case-, accent- and punctuation-insensitive,
AND across words), tags normalised and counted, members by handle and display name; the index
follows edits and takedowns through the event stream."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support import all_pages, assert_problem


@pytest.fixture
def publish(client, alice):
    def publish(title, tags=(), token=None, kind="text"):
        body = {"kind": kind, "title": title, "tags": list(tags)}
        body.update({"body": "words"} if kind == "text" else
                    {"file": {"filename": "a.png", "content_type": "image/png", "size": 100}})
        reply = client.post("/records", token=token or alice, json_body=body)
        assert reply.status == 201, reply
        return reply.json["record"]["id"]

    return publish


def found(client, q, extra=""):
    reply = client.get(f"/search/records?q={quote(q)}{extra}")
    assert reply.status == 200, reply
    return [r["id"] for r in reply.json["items"]]


def test_words_match_by_prefix_whatever_the_case_accents_and_punctuation(client, publish, deliver):
    cafe = publish("Café au lait", tags=["Jazz Fusion"])
    rock = publish("Rock'n'Roll forever")
    deliver()

    assert found(client, "cafe") == [cafe]
    assert found(client, "CAF") == [cafe]
    assert found(client, "café") == [cafe]
    assert found(client, "roll") == [rock]
    assert found(client, "n") == [rock]
    assert found(client, "rock-n") == [rock]
    assert found(client, "fus") == [cafe]  # a tag's words count too
    assert found(client, "lait caf") == [cafe]  # AND across words, any order
    assert found(client, "lait rock") == []
    assert found(client, "cafes") == []


def test_results_are_newest_first_and_filtered_by_kind(client, publish, deliver):
    first, second = publish("Night song"), publish("Night drive")
    image = publish("Night sky", kind="image")  # awaiting upload: not ready, not found
    deliver()

    assert found(client, "night") == [second, first]
    assert found(client, "night", "&kind=text") == [second, first]
    assert found(client, "night", "&kind=image") == []
    assert image not in found(client, "sky")


def test_search_pages_follow_cursors_to_the_end(client, publish, deliver):
    ids = [publish(f"Echo {n}") for n in range(7)]
    deliver()

    pages = all_pages(client, "/search/records?q=echo", limit=3)
    assert [i["id"] for page in pages for i in page] == list(reversed(ids))
    assert_problem(client.get("/search/records?q=other&cursor=" + _cursor(client, "echo")), 400, "cursor")


def _cursor(client, q):
    return client.get(f"/search/records?q={q}&limit=1").json["next_cursor"]


def test_edits_and_takedowns_are_reflected(client, publish, alice, deliver):
    record = publish("Old title", tags=["blues"])
    deliver()
    assert found(client, "old") == [record]

    assert client.patch(f"/records/{record}", token=alice, json_body={"title": "New title"}).status == 200
    assert found(client, "old") == []  # the hit is checked against the record as it is
    deliver()
    assert found(client, "new") == [record]
    assert found(client, "blues") == [record]

    assert client.request("DELETE", f"/records/{record}", token=alice).status == 204
    assert found(client, "new") == []
    deliver()
    assert client.get("/tags").json["items"] == []
    assert client.get("/tags/blues/records").json["items"] == []


def test_tags_are_stored_normalised_and_listed_most_used_first(client, publish, alice, deliver):
    reply = client.post("/records", token=alice, json_body={
        "kind": "text", "title": "T", "body": "b", "tags": [" Jazz ", "jazz", "Soul"]})
    assert reply.json["record"]["tags"] == ["jazz", "soul"]
    publish("U", tags=["jazz", "ambient"])
    publish("V", tags=["jazzy"])
    deliver()

    assert client.get("/tags").json["items"] == [
        {"tag": "jazz", "record_count": 2}, {"tag": "ambient", "record_count": 1},
        {"tag": "jazzy", "record_count": 1}, {"tag": "soul", "record_count": 1}]
    assert [t["tag"] for t in client.get("/tags?prefix=JA").json["items"]] == ["jazz", "jazzy"]
    assert [t["tag"] for t in client.get("/tags?prefix=jazzy").json["items"]] == ["jazzy"]
    assert [t["tag"] for t in client.get("/tags?prefix=s").json["items"]] == ["soul"]
    pages = all_pages(client, "/tags", limit=1)
    assert [p[0]["tag"] for p in pages if p] == ["jazz", "ambient", "jazzy", "soul"]


def test_tag_counts_follow_edits_and_redeliveries(client, publish, alice, deliver):
    from chalicelib.logic.search import index_record

    record = publish("W", tags=["lofi"])
    deliver()
    index_record(record)  # a redelivery counts nothing twice
    assert client.get("/tags").json["items"] == [{"tag": "lofi", "record_count": 1}]

    client.patch(f"/records/{record}", token=alice, json_body={"tags": ["chill"]})
    deliver()
    assert client.get("/tags").json["items"] == [{"tag": "chill", "record_count": 1}]


def test_a_tags_records_are_newest_first_by_kind_and_the_path_is_normalised(client, publish, deliver):
    first, second = publish("A", tags=["hip hop"]), publish("B", tags=["Hip Hop"])
    publish("C", tags=["other"])
    deliver()

    reply = client.get("/tags/Hip%20Hop/records")
    assert reply.status == 200 and [r["id"] for r in reply.json["items"]] == [second, first]
    assert [r["id"] for r in client.get("/tags/hip%20hop/records?kind=text").json["items"]] == [second, first]
    assert client.get("/tags/hip%20hop/records?kind=audio").json["items"] == []
    assert client.get("/tags/" + "x" * 31 + "/records").json["items"] == []


def test_members_are_found_by_handle_and_display_name_words(client, member, token, deliver):
    client.post("/members", token=token("sub-ada"), json_body={"handle": "ada_lovelace", "display_name": "Ada Byron"})
    grace = member("grace")
    deliver()

    def members(q):
        reply = client.get(f"/search/members?q={quote(q)}")
        assert reply.status == 200, reply
        return [m["handle"] for m in reply.json["items"]]

    assert members("love") == ["ada_lovelace"]
    assert members("BYR ada") == ["ada_lovelace"]
    assert members("gra") == ["grace"]
    assert members("ada grace") == []

    client.patch("/me", token=grace, json_body={"display_name": "Grace Hopper"})
    deliver()
    assert members("hopper") == ["grace"]
    assert client.get("/search/members?q=hop").json["items"][0] == {
        "id": client.get("/me", token=grace).json["id"], "handle": "grace", "display_name": "Grace Hopper"}


@pytest.mark.parametrize("path, field", [
    ("/search/records", "q"),
    ("/search/records?q=", "q"),
    ("/search/records?q=" + "a" * 101, "q"),
    ("/search/records?q=a%00b", "q"),
    ("/search/records?q=ok&kind=poem", "kind"),
    ("/search/members?q=", "q"),
    ("/search/members?q=" + "b" * 101, "q"),
    ("/tags?prefix=" + "c" * 31, "prefix"),
    ("/tags?limit=0", "limit"),
    ("/tags/jazz/records?kind=poem", "kind"),
])
def test_bad_queries_are_400_naming_the_field(client, path, field):
    assert_problem(client.get(path), 400, field)


def test_a_query_without_letters_or_digits_finds_nothing_rather_than_being_refused(client, member):
    alice = member("alice")
    client.post("/records", token=alice, json_body={"kind": "text", "title": "Punctuation!!!", "body": "x"})
    for q in ("%21%21%21", "%C2%B8", "%20%20"):
        reply = client.get(f"/search/records?q={q}")
        assert (reply.status, reply.json["items"], reply.json["next_cursor"]) == (200, [], None), q
        assert client.get(f"/search/members?q={q}").json["items"] == [], q


def test_a_blank_tag_prefix_counts_as_absent(client, member, deliver):
    alice = member("alice")
    client.post("/records", token=alice, json_body={"kind": "text", "title": "T", "body": "x", "tags": ["jazz"]})
    deliver()
    assert [t["tag"] for t in client.get("/tags?prefix=%20%20").json["items"]] == ["jazz"]


def test_a_query_of_many_words_is_matched_on_all_of_them(client, member, deliver):
    alice = member("alice")
    client.post("/records", token=alice, json_body={"kind": "text", "title": "a b c d e f g h i j k l", "body": "x"})
    deliver()
    assert len(client.get("/search/records?q=a+b+c+d+e+f+g+h+i+j+k+l").json["items"]) == 1
    assert client.get("/search/records?q=a+b+c+d+e+f+g+h+i+j+k+z").json["items"] == []


def test_a_hundred_character_query_is_accepted(client):
    assert client.get("/search/records?q=" + "a" * 100).status == 200


def test_tag_counts_stay_exact_when_many_records_with_one_tag_are_indexed_at_once(client, publish, deliver):
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.logic.search import index_record

    ids = [publish(f"Take {n}", tags=["live", f"take{n}"]) for n in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(index_record, ids + ids))  # each twice, all at once: the counts move once per record

    tags = {t["tag"]: t["record_count"] for t in client.get("/tags?limit=100").json["items"]}
    assert tags["live"] == 16 and all(tags[f"take{n}"] == 1 for n in range(16))
    assert len(found(client, "take live", "&limit=100")) == 16


def test_a_hidden_record_leaves_search_tags_and_counts_and_its_owner_is_told(client, publish, alice, member, deliver):
    record = publish("Spam spam spam", tags=["offers"])
    deliver()
    assert found(client, "spam") == [record]

    reply = client.post("/moderation/actions", token=member("mona", groups=["moderator"]), json_body={
        "subject": {"type": "record", "id": record}, "action": "hide", "reason": "Spam.", "report_ids": []})
    assert reply.status == 201, reply
    assert found(client, "spam") == []  # checked against the record as it is, before the index catches up
    deliver()

    assert client.get("/tags").json["items"] == []
    assert client.get("/tags/offers/records").json["items"] == []
    notes = client.get("/me/notifications", token=alice).json["items"]
    assert [n["type"] for n in notes] == ["moderation"]
