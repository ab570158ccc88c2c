"""The segmenter is used from many threads at once (the service segments requests in a thread pool): each
call must give what it gives alone. pysbd's Segmenter keeps the text it splits in an attribute, so a shared
one mixed requests up under load (a 10-segment page came back with 9)."""

from concurrent.futures import ThreadPoolExecutor

from model.segment import segment_text

PAGES = [
    "\n".join(
        f"Page {page}, ligne {line} : la direction propose une prime. Le syndicat n° {line} refuse. M. Dupont signe."
        for line in range(8)
    )
    + ("\n" + "Lire aussi " * page)
    for page in range(1, 13)
]


def test_concurrent_calls_segment_as_each_would_alone():
    alone = {page: segment_text(page, "fr") for page in PAGES}
    work = PAGES * 40
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda page: (page, segment_text(page, "fr")), work))
    assert all(segments == alone[page] for page, segments in together)
