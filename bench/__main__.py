"""Run every benchmark and print its table."""

from bench import bench_acd, bench_setup

if __name__ == "__main__":
    bench_acd.main()
    bench_setup.main()
