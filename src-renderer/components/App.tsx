import { useEffect } from 'react';
import { ModelPicker } from './ModelPicker';
import { PyramidSettings } from './PyramidSettings';
import { ImagePicker } from './ImagePicker';
import { FeatureInfoTable } from './FeatureInfoTable';
import { PyramidView } from './PyramidView';
import { StatusBar } from './StatusBar';
import { WeightsPicker } from './WeightsPicker';
import { ViewControls } from './ViewControls';
import { ComparePanel } from './ComparePanel';
import { ExportPanel } from './ExportPanel';
import { ProbeReadout } from './ProbeReadout';
import { ChannelBrowser } from './ChannelBrowser';
import { LearnPanel } from './LearnPanel';
import { PenultimatePanel } from './PenultimatePanel';
import { ClassEvidencePanel } from './ClassEvidencePanel';
import { useApp } from '../store';
import { useDropFile } from './useDropFile';

export function App() {
  const theme = useApp((s) => s.theme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const dropFile = useDropFile();
  return (
    <div className="app" onDragOver={(e) => e.preventDefault()} onDrop={dropFile}>
      <StatusBar />
      <aside className="sidebar">
        <ModelPicker />
        <PyramidSettings />
        <WeightsPicker />
        <ImagePicker />
        <ViewControls />
        <ComparePanel />
        <ExportPanel />
      </aside>
      <main className="main">
        <FeatureInfoTable />
        <PyramidView />
        <ProbeReadout />
        <ChannelBrowser />
        <LearnPanel />
        <PenultimatePanel />
        <ClassEvidencePanel />
      </main>
    </div>
  );
}
