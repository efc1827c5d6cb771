/* The CUDA simulator's runtime: device memory, streams, the device query,
 * and kernel launches that run every thread of a block as a fiber
 * (ucontext) on one OS thread, so that __syncthreads() and warp shuffles are
 * real barriers. Blocks run one after another. A barrier that some thread of
 * the block (or lane of the mask) never reaches is reported as a launch
 * failure, where a GPU would hang or be undefined.
 *   GANC_SIM_SCHEDULE_SEED=N  runs the threads between two barriers, and the
 *                             blocks, in an order drawn from seed N (0: in order)
 *   GANC_SIM_SM_COUNT=N       the simulated SM count (default 4; grid sizes follow it)
 *   GANC_SIM_DEVICE_COUNT=0   no GPU, for the tests of that case */
#include <ucontext.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "cuda_runtime.h"

namespace ganc_sim {

uint3 block_idx;
dim3 block_dim, grid_dim;

namespace {

enum class wait_state { runnable, block_barrier, warp_barrier, done };

/* 64 KiB: kernels keep a few scalars and small arrays on their stack. */
constexpr size_t fiber_stack_bytes = 64 * 1024;

struct fiber {
    ucontext_t context;
    std::vector<unsigned char> stack;
    uint3 idx;
    int linear, lane, warp;
    wait_state state;
    unsigned warp_mask;
};

struct block_run {
    std::vector<fiber> fibers;
    std::vector<std::array<unsigned char[16], 32>> warp_slots;
    const std::function<void()> *body;
    fiber *current;
    ucontext_t scheduler;
    std::string failure;
};

block_run *running;
cudaError_t last_error = cudaSuccess;
std::string failure_text;

unsigned long schedule_seed() {
    const char *text = getenv("GANC_SIM_SCHEDULE_SEED");
    return text ? strtoul(text, nullptr, 10) : 0;
}

void fiber_entry() {
    block_run *b = running;
    (*b->body)();
    b->current->state = wait_state::done;
    swapcontext(&b->current->context, &b->scheduler);
}

void yield_to_scheduler() {
    block_run *b = running;
    swapcontext(&b->current->context, &b->scheduler);
}

/* Releases the waits that every participant has reached; "" or what went wrong. */
std::string release_barriers(block_run &b) {
    size_t n = b.fibers.size();
    bool any_done = false, all_at_block = true, released = false;
    for (fiber &f : b.fibers) {
        if (f.state == wait_state::done) any_done = true;
        else if (f.state != wait_state::block_barrier) all_at_block = false;
    }
    /* Warp barriers: every lane of the mask that exists must be waiting. */
    for (size_t w = 0; w * 32 < n; w++) {
        unsigned mask = 0;
        bool waiting = false;
        for (size_t t = w * 32; t < n && t < w * 32 + 32; t++)
            if (b.fibers[t].state == wait_state::warp_barrier) {
                mask = b.fibers[t].warp_mask;
                waiting = true;
            }
        if (!waiting) continue;
        bool complete = true;
        for (int lane = 0; lane < 32; lane++) {
            if (!(mask >> lane & 1u)) continue;
            size_t t = w * 32 + (size_t)lane;
            if (t >= n) continue;
            fiber &f = b.fibers[t];
            if (f.state == wait_state::done)
                return "a warp shuffle's mask names lane " + std::to_string(lane) + " of warp " + std::to_string(w) +
                       ", which has exited";
            if (f.state != wait_state::warp_barrier || f.warp_mask != mask) complete = false;
        }
        if (!complete) continue;
        for (int lane = 0; lane < 32; lane++) {
            size_t t = w * 32 + (size_t)lane;
            if (t < n && (mask >> lane & 1u)) b.fibers[t].state = wait_state::runnable;
        }
        released = true;
    }
    if (released) return "";
    bool anyone_at_block = false;
    for (fiber &f : b.fibers) anyone_at_block |= f.state == wait_state::block_barrier;
    if (anyone_at_block && all_at_block && !any_done) {
        for (fiber &f : b.fibers) f.state = wait_state::runnable;
        return "";
    }
    if (anyone_at_block && any_done)
        return "__syncthreads() reached by some threads of the block while others had exited";
    return "deadlock: threads wait at barriers that the others never reach (a __syncthreads or shuffle under a "
           "condition that differs between threads)";
}

bool run_block(block_run &b, std::mt19937_64 *order_rng) {
    std::vector<size_t> order(b.fibers.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    for (fiber &f : b.fibers) {
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = f.stack.data();
        f.context.uc_stack.ss_size = f.stack.size();
        f.context.uc_link = &b.scheduler;
        f.state = wait_state::runnable;
        makecontext(&f.context, fiber_entry, 0);
    }
    for (;;) {
        if (order_rng) std::shuffle(order.begin(), order.end(), *order_rng);
        bool all_done = true;
        for (size_t i : order) {
            fiber &f = b.fibers[i];
            if (f.state != wait_state::runnable) continue;
            b.current = &f;
            swapcontext(&b.scheduler, &f.context);
        }
        for (fiber &f : b.fibers) all_done &= f.state == wait_state::done;
        if (all_done) return true;
        std::string why = release_barriers(b);
        if (!why.empty()) {
            b.failure = why;
            return false;
        }
    }
}

int sm_count() {
    const char *text = getenv("GANC_SIM_SM_COUNT");
    int n = text ? atoi(text) : 4;
    return n > 0 ? n : 4;
}

/* Device allocations, so that a copy in the wrong direction is caught. */
std::map<uintptr_t, size_t> allocations;
size_t allocated_bytes;
constexpr size_t device_bytes = (size_t)80 << 30;

bool is_device(const void *p, size_t count) {
    uintptr_t a = (uintptr_t)p;
    auto it = allocations.upper_bound(a);
    if (it == allocations.begin()) return false;
    --it;
    return a >= it->first && a + count <= it->first + it->second;
}

cudaError_t fail(cudaError_t e, const std::string &why) {
    last_error = e;
    failure_text = why;
    return e;
}

} /* namespace */

const uint3 &current_thread_idx() { return running->current->idx; }

int lane() { return running->current->lane; }

unsigned char (*warp_slots())[16] { return running->warp_slots[(size_t)running->current->warp].data(); }

void block_barrier() {
    running->current->state = wait_state::block_barrier;
    yield_to_scheduler();
}

void warp_barrier(unsigned mask) {
    running->current->state = wait_state::warp_barrier;
    running->current->warp_mask = mask;
    yield_to_scheduler();
}

void launch(dim3 grid, dim3 block, const std::function<void()> &thread_body, const char *name) {
    size_t threads = (size_t)block.x * block.y * block.z, blocks = (size_t)grid.x * grid.y * grid.z;
    if (threads == 0 || threads > 1024 || blocks == 0 || grid.y > 65535 || grid.z > 65535) {
        fail(cudaErrorInvalidValue, std::string("launch ") + name + ": invalid grid or block size");
        return;
    }
    static block_run b;
    b.fibers.resize(threads);
    b.warp_slots.resize((threads + 31) / 32);
    for (size_t t = 0; t < threads; t++) {
        fiber &f = b.fibers[t];
        if (f.stack.size() != fiber_stack_bytes) f.stack.assign(fiber_stack_bytes, 0);
        f.idx = {(unsigned)(t % block.x), (unsigned)(t / block.x % block.y), (unsigned)(t / ((size_t)block.x * block.y))};
        f.linear = (int)t;
        f.lane = (int)(t % 32);
        f.warp = (int)(t / 32);
    }
    b.body = &thread_body;
    b.failure.clear();
    block_dim = block;
    grid_dim = grid;
    unsigned long seed = schedule_seed();
    std::mt19937_64 rng(seed);
    std::vector<size_t> block_order(blocks);
    for (size_t i = 0; i < blocks; i++) block_order[i] = i;
    if (seed) std::shuffle(block_order.begin(), block_order.end(), rng);
    block_run *outer = running;
    running = &b;
    for (size_t linear : block_order) {
        block_idx = {(unsigned)(linear % grid.x), (unsigned)(linear / grid.x % grid.y),
                     (unsigned)(linear / ((size_t)grid.x * grid.y))};
        if (!run_block(b, seed ? &rng : nullptr)) {
            fail(cudaErrorLaunchFailure, std::string("kernel ") + name + ", block " + std::to_string(linear) + ": " +
                                             b.failure);
            break;
        }
    }
    running = outer;
}

} /* namespace ganc_sim */

using ganc_sim::fail;

/* GANC_SIM_DEVICE_COUNT=0 simulates a machine without a GPU, as the driver reports it. */
cudaError_t cudaGetDeviceCount(int *count) {
    const char *text = getenv("GANC_SIM_DEVICE_COUNT");
    *count = text && strcmp(text, "0") == 0 ? 0 : 1;
    return *count ? cudaSuccess : fail(cudaErrorNoDevice, "no CUDA-capable device is detected (GANC_SIM_DEVICE_COUNT=0)");
}

cudaError_t cudaSetDevice(int device) {
    return device == 0 ? cudaSuccess : fail(cudaErrorInvalidDevice, "cudaSetDevice: the simulator has device 0 only");
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int device) {
    if (device != 0) return fail(cudaErrorInvalidDevice, "cudaGetDeviceProperties: no such device");
    memset(prop, 0, sizeof *prop);
    snprintf(prop->name, sizeof prop->name, "ganc CUDA simulator (H100-like)");
    prop->totalGlobalMem = ganc_sim::device_bytes;
    prop->multiProcessorCount = ganc_sim::sm_count();
    prop->major = 9;
    prop->minor = 0;
    prop->warpSize = 32;
    prop->maxThreadsPerBlock = 1024;
    return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int *value, cudaDeviceAttr attr, int device) {
    if (device != 0) return fail(cudaErrorInvalidDevice, "cudaDeviceGetAttribute: no such device");
    switch (attr) {
    case cudaDevAttrMultiProcessorCount: *value = ganc_sim::sm_count(); return cudaSuccess;
    case cudaDevAttrClockRate: *value = 1980000; return cudaSuccess;
    case cudaDevAttrMemoryClockRate: *value = 2619000; return cudaSuccess;
    case cudaDevAttrGlobalMemoryBusWidth: *value = 5120; return cudaSuccess;
    }
    return fail(cudaErrorInvalidValue, "cudaDeviceGetAttribute: attribute not simulated");
}

cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes) {
    *total_bytes = ganc_sim::device_bytes;
    *free_bytes = ganc_sim::device_bytes - ganc_sim::allocated_bytes;
    return cudaSuccess;
}

cudaError_t cudaMalloc(void **ptr, size_t size) {
    *ptr = nullptr;
    if (size > ganc_sim::device_bytes - ganc_sim::allocated_bytes)
        return fail(cudaErrorMemoryAllocation, "cudaMalloc: out of simulated device memory");
    void *p = aligned_alloc(256, (size + 255) / 256 * 256);
    if (!p) return fail(cudaErrorMemoryAllocation, "cudaMalloc: out of host memory");
    ganc_sim::allocations[(uintptr_t)p] = size;
    ganc_sim::allocated_bytes += size;
    *ptr = p;
    return cudaSuccess;
}

cudaError_t cudaFree(void *ptr) {
    if (!ptr) return cudaSuccess;
    auto it = ganc_sim::allocations.find((uintptr_t)ptr);
    if (it == ganc_sim::allocations.end())
        return fail(cudaErrorInvalidValue, "cudaFree: not a pointer cudaMalloc returned");
    ganc_sim::allocated_bytes -= it->second;
    ganc_sim::allocations.erase(it);
    free(ptr);
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, cudaMemcpyKind kind, cudaStream_t) {
    if (count == 0) return cudaSuccess;
    bool dst_device = ganc_sim::is_device(dst, count), src_device = ganc_sim::is_device(src, count);
    bool ok = kind == cudaMemcpyDefault || (kind == cudaMemcpyHostToDevice && dst_device && !src_device) ||
              (kind == cudaMemcpyDeviceToHost && !dst_device && src_device) ||
              (kind == cudaMemcpyDeviceToDevice && dst_device && src_device) ||
              (kind == cudaMemcpyHostToHost && !dst_device && !src_device);
    if (!ok)
        return fail(cudaErrorInvalidMemcpyDirection,
                    "cudaMemcpyAsync: kind " + std::to_string((int)kind) + " but the destination is " +
                        (dst_device ? "device" : "host") + " memory and the source " + (src_device ? "device" : "host") +
                        " memory (or a range past an allocation's end)");
    memmove(dst, src, count);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void *ptr, int value, size_t count, cudaStream_t) {
    if (count && !ganc_sim::is_device(ptr, count))
        return fail(cudaErrorInvalidValue, "cudaMemsetAsync: the range is not inside one device allocation");
    memset(ptr, value, count);
    return cudaSuccess;
}

struct CUstream_st {
    unsigned flags;
};

cudaError_t cudaStreamCreateWithFlags(cudaStream_t *stream, unsigned flags) {
    *stream = new CUstream_st{flags};
    return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
    delete stream;
    return cudaSuccess;
}

/* Everything ran when it was issued; a launch failure shows here as on a GPU. */
cudaError_t cudaStreamSynchronize(cudaStream_t) { return ganc_sim::last_error; }

cudaError_t cudaGetLastError(void) {
    cudaError_t e = ganc_sim::last_error;
    ganc_sim::last_error = cudaSuccess;
    return e;
}

const char *cudaGetErrorString(cudaError_t error) {
    if (error == cudaSuccess) return "no error";
    return ganc_sim::failure_text.empty() ? "simulated failure" : ganc_sim::failure_text.c_str();
}

const char *cudaGetErrorName(cudaError_t error) {
    switch (error) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
    }
    return "cudaErrorUnknown";
}
