/*
 * oneMKL (linked into libtorch_cpu.so) asks mkl_serv_intel_cpu_true() whether it runs on an Intel CPU and, if not,
 * takes generic code paths even where the CPU has the instructions of the fast ones: on this project's AMD EPYC
 * (AVX-512) a float32 matrix product runs about 20% slower than it could. libtorch exports the function and calls it
 * through its PLT, so a definition loaded earlier into the process's global symbol scope takes its place.
 * org.softprompt.MklCpuDispatch loads this library that way on AMD CPUs only; MKL still checks the CPU's feature
 * flags before choosing a code path. Built by build.sh; the binary is a resource of the library.
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
