import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { createClient } from './client/createClient';
import { createAppStore, startApp, StoreContext } from './store';
import { installTestMode, isTestMode } from './testMode';
import './styles.css';

const store = createAppStore(createClient());
if (isTestMode()) installTestMode(store);
createRoot(document.getElementById('root')!).render(
  <StoreContext.Provider value={store}>
    <App />
  </StoreContext.Provider>,
);
void startApp(store).catch((e: unknown) => {
  store.setState({ status: 'error', error: { code: 'STARTUP', message: e instanceof Error ? e.message : String(e) } });
});
