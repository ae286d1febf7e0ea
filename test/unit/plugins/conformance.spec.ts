import { Logger } from '@nestjs/common';
import { runPluginConformance } from '../../../src/plugin-sdk/testing';
import { BUILT_IN_PLUGINS } from '../../../src/plugins';
import { logisticPlugin } from '../../../src/plugins/logistic';
import { neuralPlugin } from '../../../src/plugins/neural';
import { svmPlugin } from '../../../src/plugins/svm';

Logger.overrideLogger(false);

/** The built-in plugins through the same kit a third-party plugin's tests run. */
describe('built-in plugins', () => {
  it('are the three this file checks', () => {
    expect(BUILT_IN_PLUGINS.map((p) => p.id)).toEqual(['logistic', 'svm', 'neural']);
  });
});

runPluginConformance(logisticPlugin);
runPluginConformance(svmPlugin);
runPluginConformance(svmPlugin, { params: { kernel: 'rbf', components: 100 } });
runPluginConformance(neuralPlugin, { params: { hiddenLayers: [16] } });
