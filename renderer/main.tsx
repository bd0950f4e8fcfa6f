import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { localTimeZone } from './format';
import { startApp } from './store/app';
import './styles.css';

startApp();
// While the connection opens: the time-zone data would otherwise load in the middle of the first
// answers (the banner's times, today's earnings) and hold them back.
localTimeZone();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
