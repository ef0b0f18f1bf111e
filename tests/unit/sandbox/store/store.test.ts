/**
 * The record store: atomic (nested) transactions, alternate-key indexes, the reverse lookup
 * index, and write-through to SQLite once per outermost transaction.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openSqlitePersistence } from '../../../../electron/sandbox/store/persistence'
import { Store } from '../../../../electron/sandbox/store/store'
import { useTempDirs } from '../../../support/temp-dir'

describe('sandbox store', () => {
  const tempDir = useTempDirs('leafbridge-sandbox-store-')

  it('undoes everything a failed transaction did, and only the inner part of a failed nested one', () => {
    const store = new Store(null)
    store.put('account', 'a', { name: 'A' })
    expect(() =>
      store.transaction(() => {
        store.put('account', 'b', { name: 'B' })
        store.remove('account', 'a')
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(store.get('account', 'a')).toEqual({ name: 'A' })
    expect(store.get('account', 'b')).toBeUndefined()
    store.transaction(() => {
      store.put('account', 'c', { name: 'C' })
      try {
        store.transaction(() => {
          store.put('account', 'd', { name: 'D' })
          throw new Error('inner')
        })
      } catch {
        // the outer transaction carries on
      }
    })
    expect(store.get('account', 'c')).toEqual({ name: 'C' })
    expect(store.get('account', 'd')).toBeUndefined()
  })

  it('indexes alternate keys case-insensitively, reports clashes and follows updates', () => {
    const store = new Store(null)
    store.put('contact', '1', { code: 'X-1' })
    store.put('contact', '2', { code: 'x-1' })
    expect(store.buildIndex('contact', 'k', ['code'])).toEqual(['2'])
    store.put('contact', '2', { code: 'X-2' })
    expect(store.buildIndex('contact', 'k', ['code'])).toEqual([])
    expect(store.findByKey('contact', 'k', { code: 'x-2' })).toBe('2')
    store.put('contact', '2', { code: 'X-3' })
    expect(store.findByKey('contact', 'k', { code: 'X-2' })).toBeUndefined()
    expect(store.findByKey('contact', 'k', { code: 'X-3' })).toBe('2')
  })

  it('keeps a reverse index of lookups through puts, removes and rollbacks', () => {
    const store = new Store(null)
    store.put('contact', 'c', { parentcustomerid: { table: 'account', id: 'a' } })
    expect(store.referencesTo('a')).toEqual([['contact', 'c', 'parentcustomerid']])
    expect(() =>
      store.transaction(() => {
        store.remove('contact', 'c')
        throw new Error('undo')
      }),
    ).toThrow()
    expect([...store.referencingIds('a', 'contact', 'parentcustomerid')]).toEqual(['c'])
    store.remove('contact', 'c')
    expect(store.referencesTo('a')).toEqual([])
  })

  it('writes committed transactions to SQLite and nothing of a failed one', () => {
    const file = join(tempDir(), 'state.sqlite')
    const persistence = openSqlitePersistence(file)
    const store = new Store(persistence)
    store.transaction(() => {
      store.put('account', 'a', { name: 'kept' })
      store.setSetting('counter', '5')
    })
    expect(() =>
      store.transaction(() => {
        store.put('account', 'b', { name: 'lost' })
        throw new Error('boom')
      }),
    ).toThrow()
    persistence.close()
    const reopened = openSqlitePersistence(file)
    const loaded = reopened.load()
    expect(loaded.rows).toEqual([['account', 'a', { name: 'kept' }]])
    expect(loaded.kv).toEqual([['counter', '5']])
    reopened.close()
  })
})
