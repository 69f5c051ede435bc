/**
 * `explore:penultimate`: the first half of timm's feature-extraction page —
 * the unpooled forward_features map and the pooled pre-logits vector
 * (create_model(name, num_classes=0)), computed by the full model rather than
 * the features-only wrapper, since some families finish forward_features with
 * layers no feature level includes.
 */
import type { StateDict, TensorData } from '../weights/stateDict';
import { createModel, givenOutputStride } from '../zoo/builder';
import { TfjsPreparedModel } from '../ops/tfjsExecutor';

export interface PenultimateTensors {
  /** [1, C, H, W] */
  features: TensorData;
  /** [1, C] */
  pooled: TensorData;
  globalPool: string;
}

/** A num_classes=0 model per (model, stride, weights), kept while the same weights are in use. */
export class PenultimateRunner {
  private current?: { key: string; prepared: TfjsPreparedModel };

  run(model: string, outputStride: number, weightsKey: string, stateDict: StateDict, input: TensorData): PenultimateTensors {
    const key = `${model}|os${outputStride}|${weightsKey}`;
    if (this.current?.key !== key) {
      this.dispose();
      const built = createModel(model, { numClasses: 0, outputStride: givenOutputStride(model, outputStride) });
      this.current = { key, prepared: new TfjsPreparedModel(built, stateDict) };
    }
    const { prepared } = this.current;
    const [features] = prepared.runSync(input, 'forward_features');
    const [pooled] = prepared.runSync(input, 'forward');
    return { features, pooled, globalPool: 'avg' };
  }

  dispose(): void {
    this.current?.prepared.dispose();
    this.current = undefined;
  }
}
