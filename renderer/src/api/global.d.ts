import type { RendererApi } from '@shared/ipc/methods'

declare global {
  interface Window {
    /** Present only in the desktop app, exposed by the preload. */
    readonly api?: RendererApi
  }
}
