import { ModelPicker } from './ModelPicker';
import { PyramidSettings } from './PyramidSettings';
import { ImagePicker } from './ImagePicker';
import { FeatureInfoTable } from './FeatureInfoTable';
import { PyramidView } from './PyramidView';
import { StatusBar } from './StatusBar';
import { WeightsPicker } from './WeightsPicker';

export function App() {
  return (
    <div className="app">
      <StatusBar />
      <aside className="sidebar">
        <ModelPicker />
        <PyramidSettings />
        <WeightsPicker />
        <ImagePicker />
      </aside>
      <main className="main">
        <FeatureInfoTable />
        <PyramidView />
      </main>
    </div>
  );
}
