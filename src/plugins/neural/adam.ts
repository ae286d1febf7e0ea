/**
 * Adam (Kingma and Ba, 2015) over parameters held as `Float32Array`s, with the usual
 * constants (β₁ 0.9, β₂ 0.999, ε 1e-7 as in TensorFlow.js). The update runs in JavaScript: a
 * network here has thousands of parameters, and on the wasm backend each tensor op costs a
 * fixed dispatch of tens of microseconds, so about fifteen ops per variable and step would
 * cost more than the arithmetic itself.
 */
export class Adam {
  private readonly firstMoments: Float64Array[];
  private readonly secondMoments: Float64Array[];
  private steps = 0;

  constructor(
    private readonly learningRate: number,
    sizes: readonly number[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {
    this.firstMoments = sizes.map((n) => new Float64Array(n));
    this.secondMoments = sizes.map((n) => new Float64Array(n));
  }

  /**
   * Moves each of `parameters` (in place) against its entry in `gradients`, to which
   * `2·decay[p]·w` is added first: the gradient of an L2 penalty `decay[p]·Σw²`.
   */
  update(
    parameters: readonly Float32Array[],
    gradients: readonly ArrayLike<number>[],
    decay: readonly number[],
  ): void {
    this.steps++;
    const { beta1, beta2, epsilon } = this;
    const stepSize =
      (this.learningRate * Math.sqrt(1 - beta2 ** this.steps)) / (1 - beta1 ** this.steps);
    const scaledEpsilon = epsilon * Math.sqrt(1 - beta2 ** this.steps);

    parameters.forEach((w, p) => {
      const g = gradients[p];
      const m = this.firstMoments[p];
      const v = this.secondMoments[p];
      const twiceDecay = 2 * decay[p];
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] + twiceDecay * w[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        w[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + scaledEpsilon);
      }
    });
  }
}
