/**
 * The squared hinge loss max(0, 1 − s·z)², s = ±1 the signed label, for the primal Newton
 * solver. It is differentiable, with a kink in its second derivative at the margin, where the
 * generalised second derivative (2 inside the margin, 0 outside) is used; this is the loss
 * of liblinear's primal L2-loss SVM.
 */
import { MarginLoss } from '../logistic/newton';

export const squaredHingeLoss: MarginLoss = {
  total(z, labels, cost) {
    let sum = 0;
    for (let i = 0; i < z.length; i++) {
      const violation = labels[i] === 1 ? 1 - z[i] : 1 + z[i];
      if (violation > 0) sum += cost[i] * violation * violation;
    }

    return sum;
  },
  derivatives(z, labels, cost, slope, curvature) {
    let sum = 0;
    for (let i = 0; i < z.length; i++) {
      const sign = labels[i] === 1 ? 1 : -1;
      const violation = 1 - sign * z[i];
      if (violation > 0) {
        const c = cost[i];
        sum += c * violation * violation;
        slope[i] = -2 * c * sign * violation;
        curvature[i] = 2 * c;
      } else {
        slope[i] = 0;
        curvature[i] = 0;
      }
    }

    return sum;
  },
};
