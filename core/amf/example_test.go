package amf_test

import (
	"errors"
	"fmt"

	"github.com/securesocket/securesocket/core/amf"
)

func ExampleDecode() {
	// {spam: "eggs"} as AS3's writeObject sends it, then the start of the next value.
	buf := []byte{0x0a, 0x0b, 0x01, 0x09, 's', 'p', 'a', 'm', 0x06, 0x09, 'e', 'g', 'g', 's', 0x01, 0x0a}
	for {
		v, n, err := amf.Decode(buf, amf.AMF3, nil)
		if errors.Is(err, amf.ErrIncomplete) {
			fmt.Println("incomplete: wait for more bytes")
			return
		}
		if err != nil {
			fmt.Println("malformed:", err)
			return
		}
		spam, _ := v.(*amf.Object).Get("spam")
		fmt.Printf("used %d bytes: spam=%v\n", n, spam)
		buf = buf[n:]
	}
	// Output:
	// used 15 bytes: spam=eggs
	// incomplete: wait for more bytes
}

func ExampleEncode() {
	v := &amf.Object{Class: "com.example.Person", Static: true, Sealed: []amf.Member{
		{Name: "name", Value: "Ann"},
		{Name: "age", Value: 42},
	}}
	b, _ := amf.Encode(v, amf.AMF3, nil)
	fmt.Printf("% x\n", b)
	b, _ = amf.Encode(v, amf.AMF0, nil)
	fmt.Printf("% x\n", b)
	// Output:
	// 0a 23 25 63 6f 6d 2e 65 78 61 6d 70 6c 65 2e 50 65 72 73 6f 6e 09 6e 61 6d 65 07 61 67 65 06 07 41 6e 6e 04 2a
	// 10 00 12 63 6f 6d 2e 65 78 61 6d 70 6c 65 2e 50 65 72 73 6f 6e 00 04 6e 61 6d 65 02 00 03 41 6e 6e 00 03 61 67 65 00 40 45 00 00 00 00 00 00 00 00 09
}

func ExampleToJSON() {
	o := &amf.Object{}
	o.Set("self", o)
	o.Set("when", &amf.Date{Ms: 0})
	o.Set("n", int32(1))
	o.Set("x", 1.0)
	j, _ := amf.ToJSON(o)
	fmt.Println(string(j))
	// Output:
	// {"$amf":"object","id":0,"dynamic":{"self":{"$amf":"ref","id":0},"when":{"$amf":"date","ms":0},"n":1,"x":1.0}}
}

func ExampleFromJSON() {
	v, _ := amf.FromJSON([]byte(`{"id": 7, "tags": ["a"], "$$amf": true, "at": {"$amf": "date", "ms": 0}}`))
	b, _ := amf.Encode(v, amf.AMF3, nil)
	fmt.Printf("% x\n", b)
	// Output:
	// 0a 0b 01 05 69 64 04 07 09 74 61 67 73 09 03 01 06 03 61 09 24 61 6d 66 03 05 61 74 08 01 00 00 00 00 00 00 00 00 01
}

func ExampleRegistry() {
	type Person struct {
		Name string `amf:"name"`
		Age  int    `amf:"age"`
	}
	reg := amf.NewRegistry()
	if err := reg.Register("com.example.Person", Person{}); err != nil {
		panic(err)
	}
	opts := &amf.Options{Registry: reg}
	b, _ := amf.Encode(&Person{Name: "Ann", Age: 42}, amf.AMF3, opts)
	v, _, _ := amf.Decode(b, amf.AMF3, opts)
	fmt.Printf("%+v\n", *v.(*Person))
	// Without the registry the wire never picks a Go type:
	v, _, _ = amf.Decode(b, amf.AMF3, nil)
	fmt.Println(v.(*amf.Object).Class)
	// Output:
	// {Name:Ann Age:42}
	// com.example.Person
}
