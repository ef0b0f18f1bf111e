/**
 * Slice plumbing for the one store (zustand slices pattern).
 */
import type { RendererApi } from '@shared/ipc/methods'
import type { StateCreator } from 'zustand'
import type { AppStore } from './index'

/** A slice gets the API its actions call, and the whole store's set/get. */
export type SliceCreator<S> = (api: RendererApi) => StateCreator<AppStore, [], [], S>
