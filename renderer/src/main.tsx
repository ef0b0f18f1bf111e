import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { connectApi } from './api/client'
import { App, NoSession } from './app'
import { StoreContext, createAppStore } from './store'
import './styles.css'

const connection = connectApi()
const root = createRoot(document.getElementById('root')!)

if (connection.kind === 'no-token') {
  root.render(<NoSession />)
} else {
  const store = createAppStore(connection.api)
  // One subscription for the app's lifetime: the store mirrors the engine's job events.
  connection.api.onJobEvent((event) => store.getState().applyJobEvent(event))
  void store.getState().bootstrap()
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>,
  )
}
