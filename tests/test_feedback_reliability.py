"""No acknowledged correction is ever lost, on SQLite and on PostgreSQL: 32 concurrent clients against a real
`parley serve`, then the server killed with SIGKILL in the middle of writes (bench/feedback_reliability.py's
checks, for a few seconds instead of a minute)."""

from bench.feedback_reliability import run

CLIENTS = 32


def test_concurrent_clients_and_a_sigkill_lose_no_acknowledged_correction(tiny_model_dir, database_url, tmp_path):
    result = run(tiny_model_dir, database_url, clients=CLIENTS, seconds=4, kill_after=2, work=tmp_path)
    concurrent, killed = result["concurrent"], result["sigkill"]
    assert concurrent["acknowledged"] > CLIENTS  # every client was heard, several times
    assert concurrent["other_answers"] == {}
    assert concurrent["lost"] == 0 and concurrent["unacknowledged_rows"] == 0
    assert concurrent["rows_stored"] == concurrent["acknowledged"]
    assert killed["acknowledged_before_kill"] > 0
    assert "no answer" in killed["other_answers"]  # the kill came while clients were still posting
    assert killed["lost"] == 0 and killed["integrity"] == "ok"
    assert result["passed"]
