import { useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store';

async function readFile(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

export function ImagePicker() {
  const { samples, image, imageLabel, chooseSample, chooseFile } = useApp(
    useShallow((s) => ({ samples: s.samples, image: s.image, imageLabel: s.imageLabel, chooseSample: s.chooseSample, chooseFile: s.chooseFile })),
  );
  const [dragging, setDragging] = useState(false);
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation(); // the window's own drop handler must not take it too
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) chooseFile(file.name, await readFile(file));
  };
  return (
    <section className="panel">
      <h2>Image</h2>
      <div className="samples">
        {samples.map((s) => (
          <button
            key={s.name}
            data-testid={`sample-${s.name}`}
            className={image?.kind === 'sample' && image.name === s.name ? 'selected' : undefined}
            onClick={() => chooseSample(s.name)}
            title={`${s.credit} (${s.license})`}
          >
            {s.name}
          </button>
        ))}
      </div>
      <label
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <input
          data-testid="image-input"
          type="file"
          accept="image/png,image/jpeg,image/webp"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) chooseFile(file.name, await readFile(file));
            e.target.value = '';
          }}
        />
        <span>Drop a PNG, JPEG or WebP here, or click to choose</span>
      </label>
      <div className="current">
        Showing: <span data-testid="image-name">{imageLabel}</span>
      </div>
    </section>
  );
}
