/**
 * The preload: exposes the named API to the isolated page and nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { buildPreloadApi } from './api'

contextBridge.exposeInMainWorld('api', buildPreloadApi(ipcRenderer))
