"""Run every benchmark and print its table."""

from bench import bench_acd, bench_setup, bench_tickets

if __name__ == "__main__":
    bench_acd.main()
    bench_setup.main()
    print()
    bench_tickets.main()
