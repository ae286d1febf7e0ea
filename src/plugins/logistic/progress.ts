/**
 * Progress of an iterative solver as a fraction in [0, 1). A solver that stops on a
 * tolerance usually finishes long before its iteration limit, so the fraction is the larger
 * of the share of iterations used and how far the stopping quantity has fallen from its
 * first value towards the tolerance, on a log scale. It never goes back.
 */
export class ConvergenceProgress {
  private first = NaN;
  private reached = 0;

  constructor(
    private readonly maxIterations: number,
    private readonly tolerance: number,
  ) {}

  /** The fraction after `iteration` iterations with stopping quantity `value`. */
  update(iteration: number, value: number): number {
    if (Number.isNaN(this.first)) this.first = value;

    const byIterations = this.maxIterations > 0 ? iteration / this.maxIterations : 0;
    let byTolerance = 0;
    if (this.first > this.tolerance && value > 0 && value < this.first) {
      byTolerance = Math.log(this.first / value) / Math.log(this.first / this.tolerance);
    }
    if (value <= this.tolerance) byTolerance = 1;

    const fraction = Math.min(0.99, Math.max(byIterations, byTolerance));
    this.reached = Math.max(this.reached, fraction);

    return this.reached;
  }
}
