import sys

WORKLOADS = {
    "seed": "bench.seed",
    "browse": "bench.browse",
    "verification": "bench.verification",
    "checkins": "bench.checkins",
    "reports": "bench.reports",
    "contacts": "bench.contacts",
    "enterprises": "bench.enterprises",
    "import": "bench.importer",
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in WORKLOADS:
        raise SystemExit(f"usage: python -m bench {{{'|'.join(WORKLOADS)}}} [options]")
    import importlib

    importlib.import_module(WORKLOADS[sys.argv[1]]).main(sys.argv[2:])


main()
