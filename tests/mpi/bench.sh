#!/usr/bin/env bash
# The MPI dispatch benchmark (make mpi-bench): rank 0's rate in items per
# second with tiny items over TCP (pml ob1, btl self,tcp), with 3 and 2
# ranks.  ITEMS=n changes the number of items (default 4 million).
set -u
build=${1:-build}
mpirun=(${MPIRUN:-mpirun} --allow-run-as-root --oversubscribe
        --mca pml ob1 --mca btl self,tcp)
echo "# $(nproc) CPUs, $(${MPIRUN:-mpirun} --version | head -1)"
for n in 3 2; do
    echo "# mpirun -n $n --mca pml ob1 --mca btl self,tcp $build/tests/mpi/bench_dispatch ${ITEMS:-4000000}"
    timeout -k 5 300 "${mpirun[@]}" -n "$n" "$build/tests/mpi/bench_dispatch" "${ITEMS:-4000000}"
done
