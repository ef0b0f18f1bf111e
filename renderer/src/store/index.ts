/**
 * The renderer's one store, made of slices (zustand slices pattern). Actions alone call the API.
 */
import type { RendererApi } from '@shared/ipc/methods'
import { createStore, type StoreApi } from 'zustand/vanilla'
import { useStore } from 'zustand'
import { createContext, useContext } from 'react'
import { type AppSlice, createAppSlice } from './app-slice'
import { type JobsSlice, createJobsSlice } from './jobs-slice'
import { type PlanSlice, createPlanSlice } from './plan-slice'
import { type RollbackSlice, createRollbackSlice } from './rollback-slice'
import { type RunSlice, createRunSlice } from './run-slice'
import { type SourceSlice, createSourceSlice } from './source-slice'
import { type TargetSlice, createTargetSlice } from './target-slice'
import { type VerifySlice, createVerifySlice } from './verify-slice'
import { type WizardSlice, createWizardSlice } from './wizard-slice'
import { type WorkspaceSlice, createWorkspaceSlice } from './workspace-slice'

export type AppStore = AppSlice &
  WizardSlice &
  WorkspaceSlice &
  JobsSlice &
  TargetSlice &
  PlanSlice &
  VerifySlice &
  RollbackSlice &
  RunSlice &
  SourceSlice

/** Builds a store bound to one API (the real one, or a test double in unit tests). */
export function createAppStore(api: RendererApi): StoreApi<AppStore> {
  return createStore<AppStore>()((...a) => ({
    ...createAppSlice(api)(...a),
    ...createWizardSlice(api)(...a),
    ...createWorkspaceSlice(api)(...a),
    ...createJobsSlice(api)(...a),
    ...createTargetSlice(api)(...a),
    ...createPlanSlice(api)(...a),
    ...createVerifySlice(api)(...a),
    ...createRollbackSlice(api)(...a),
    ...createRunSlice(api)(...a),
    ...createSourceSlice(api)(...a),
  }))
}

export const StoreContext = createContext<StoreApi<AppStore> | null>(null)

/** Selects from the store; keep selectors narrow (`(s) => s.workspace.summary`). */
export function useAppStore<T>(selector: (state: AppStore) => T): T {
  const store = useContext(StoreContext)
  if (store === null) throw new Error('useAppStore outside StoreContext')
  return useStore(store, selector)
}
