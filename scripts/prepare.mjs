console.log('prepare: placeholder')
