export * from './split';
export * from './metrics';
export * from './calibration';
