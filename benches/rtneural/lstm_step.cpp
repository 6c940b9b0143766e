// One LSTM step with RTNeural's compile-time-sized layer (`LSTMLayerT`, Eigen backend), timed
// the way `benches/rtneural_lstm.rs` times `nn`'s: the same weights and inputs (the formulas
// below, in Keras's layouts, which both read), a warm-up, then the median over rounds of the
// time per step. Built and run by `benches/rtneural/run.sh`; not part of the tests.
//
// Prints one line per size: `rtneural <features> <units> <ns per step> <checksum>`, the
// checksum being the sum of the outputs after the last step (both sides must agree).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include <memory>

#include "RTNeural/RTNeural.h"

// The weight of Keras's `(rows, 4 * units)` kernels at (`row`, `col`), and the input at step
// `t`, feature `f`: the formulas `benches/rtneural_lstm.rs` uses.
static float weight(int salt, int row, int col)
{
    int k = (row * 31 + col * 17 + salt * 7) % 97;
    return (float)k / 97.0f * 0.4f - 0.2f;
}

static float input(int t, int f) { return std::sin(0.37f * (float)(t * 13 + f)); }

template <int F, int U>
static void run(int steps, int rounds)
{
    // On the heap: 64 × 64's combined weights are 132 kB.
    auto layer = std::make_unique<RTNeural::LSTMLayerT<float, F, U>>();
    auto& lstm = *layer;
    std::vector<std::vector<float>> w(F, std::vector<float>(4 * U));
    std::vector<std::vector<float>> r(U, std::vector<float>(4 * U));
    std::vector<float> b(4 * U);
    for(int i = 0; i < F; ++i)
        for(int k = 0; k < 4 * U; ++k)
            w[i][k] = weight(0, i, k);
    for(int i = 0; i < U; ++i)
        for(int k = 0; k < 4 * U; ++k)
            r[i][k] = weight(1, i, k);
    for(int k = 0; k < 4 * U; ++k)
        b[k] = weight(2, 0, k);
    lstm.setWVals(w);
    lstm.setUVals(r);
    lstm.setBVals(b);
    lstm.reset();

    // 64 inputs, fed in turn.
    std::vector<Eigen::Matrix<float, F, 1>> xs(64);
    for(int t = 0; t < 64; ++t)
        for(int f = 0; f < F; ++f)
            xs[t](f) = input(t, f);

    for(int t = 0; t < 1000; ++t)
        lstm.forward(xs[t % 64]);
    std::vector<double> per_step;
    for(int round = 0; round < rounds; ++round)
    {
        auto start = std::chrono::steady_clock::now();
        for(int t = 0; t < steps; ++t)
            lstm.forward(xs[t % 64]);
        auto end = std::chrono::steady_clock::now();
        per_step.push_back(std::chrono::duration<double, std::nano>(end - start).count() / steps);
    }
    std::sort(per_step.begin(), per_step.end());

    // The checksum: from a fresh state, 64 steps.
    lstm.reset();
    for(int t = 0; t < 64; ++t)
        lstm.forward(xs[t]);
    double sum = 0.0;
    for(int u = 0; u < U; ++u)
        sum += lstm.outs(u);
    std::printf("rtneural %d %d %.1f %.6f\n", F, U, per_step[per_step.size() / 2], sum);
}

int main()
{
    run<8, 16>(200000, 15);
    run<64, 64>(20000, 15);
    return 0;
}
