/* eslint-disable @typescript-eslint/no-require-imports -- the backends are optional and load lazily */
import * as path from 'node:path';
import type * as TensorFlow from '@tensorflow/tfjs';

export type TensorFlowBackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface TensorFlowRuntime {
  readonly tf: typeof TensorFlow;
  /** The backend in use: `tensorflow` (tfjs-node), `wasm` or `cpu`. */
  readonly backend: string;
  /** Why a preferred backend was passed over, when one was. */
  readonly fallbackReason?: string;
}

let loading: Promise<TensorFlowRuntime> | undefined;
let loaded: TensorFlowRuntime | undefined;

/**
 * Loads TensorFlow.js once per process: `@tensorflow/tfjs-node` (native, an optional
 * dependency that often cannot install) when it loads, else `@tensorflow/tfjs` on the wasm
 * backend shipped in `@tensorflow/tfjs-backend-wasm`, else the plain JavaScript cpu backend.
 */
export function loadTensorFlow(
  preference: TensorFlowBackendPreference = 'auto',
): Promise<TensorFlowRuntime> {
  loading ??= pickBackend(preference).then((runtime) => (loaded = runtime));

  return loading;
}

/** The backend already loaded in this process, if any (for `/health`). */
export function tensorFlowStatus(): { backend: string | null; fallbackReason?: string } {
  return loaded
    ? { backend: loaded.backend, fallbackReason: loaded.fallbackReason }
    : { backend: null };
}

async function pickBackend(preference: TensorFlowBackendPreference): Promise<TensorFlowRuntime> {
  const reasons: string[] = [];
  if (preference === 'auto' || preference === 'tensorflow') {
    try {
      const tf = require('@tensorflow/tfjs-node') as typeof TensorFlow;
      await tf.ready();

      return { tf, backend: tf.getBackend() };
    } catch (error) {
      reasons.push(`tfjs-node did not load (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const tf = require('@tensorflow/tfjs') as typeof TensorFlow;
  if (preference !== 'cpu') {
    try {
      const wasm =
        require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
      wasm.setWasmPaths(path.dirname(wasmFile) + path.sep);
      if (await tf.setBackend('wasm')) {
        await tf.ready();

        return { tf, backend: 'wasm', fallbackReason: reasons.join('; ') || undefined };
      }
      reasons.push('the wasm backend did not initialise');
    } catch (error) {
      reasons.push(`the wasm backend failed (${(error as Error).message.split('\n')[0]})`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();

  return { tf, backend: 'cpu', fallbackReason: reasons.join('; ') || undefined };
}
